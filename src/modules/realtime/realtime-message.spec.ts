import { describe, expect, it } from '@jest/globals';
import { roomsFor, roomsOf, wants, type RoutedMessage, type Subscription } from './realtime-message.js';

const signal = (ownerId: number | null, strategyId: number, pair: string): RoutedMessage => ({
  ownerId,
  strategyId,
  pair,
  message: {
    type: 'signal_update',
    data: { signal: { id: 'x', strategy_id: strategyId, pair } },
    timestamp: 't',
  },
});
const status = (ownerId: number, strategyId: number): RoutedMessage => ({
  ownerId,
  strategyId,
  message: {
    type: 'strategy_status_update',
    data: { strategy_id: strategyId, status: 'running', health_score: null },
    timestamp: 't',
  },
});
const training = (ownerId: number, jobId: number): RoutedMessage => ({
  ownerId,
  strategyId: 1,
  jobId,
  message: {
    type: 'training_progress',
    data: { job_id: jobId, progress: 5, current_epoch: 1, total_epochs: 20, metrics: {} },
    timestamp: 't',
  },
});
const alert: RoutedMessage = {
  ownerId: null,
  message: {
    type: 'system_alert',
    data: { level: 'error', message: 'm', component: 'proxy' },
    timestamp: 't',
  },
};

/** Delivered by rooms exactly when the per-socket rule says so: the two transports agree. */
function delivered(userId: number, sub: Subscription, m: RoutedMessage): boolean {
  const joined = new Set(roomsFor(userId, sub));
  return roomsOf(m).some((r) => joined.has(r));
}

describe('realtime routing', () => {
  const subs: Subscription[] = [
    {},
    { strategy_ids: [1] },
    { strategy_ids: [2, 3] },
    { pairs: ['BTC/USDT'] },
    { types: ['strategy_status_update'] },
    { types: ['signal_update', 'system_alert'], strategy_ids: [1], pairs: ['ETH/USDT'] },
    { job_ids: [4] },
    { types: ['training_progress', 'training_status'], job_ids: [4, 5] },
  ];
  const messages = [
    signal(7, 1, 'BTC/USDT'),
    signal(7, 2, 'ETH/USDT'),
    signal(8, 1, 'BTC/USDT'),
    status(7, 1),
    status(7, 3),
    training(7, 4),
    training(7, 6),
    training(8, 4),
    alert,
  ];

  it('rooms and the per-socket rule agree for every subscription and message', () => {
    for (const sub of subs)
      for (const m of messages)
        expect([sub, m.message.type, delivered(7, sub, m)]).toEqual([sub, m.message.type, wants(7, sub, m)]);
  });

  it('a user never receives another user’s events', () => {
    expect(delivered(7, {}, signal(8, 1, 'BTC/USDT'))).toBe(false);
    expect(wants(7, {}, signal(8, 1, 'BTC/USDT'))).toBe(false);
  });

  it('narrowing by pair still lets events without a pair through', () => {
    expect(wants(7, { pairs: ['BTC/USDT'] }, status(7, 1))).toBe(true);
    expect(wants(7, { pairs: ['BTC/USDT'] }, signal(7, 1, 'ETH/USDT'))).toBe(false);
  });

  it('system alerts reach everyone who did not filter them out', () => {
    expect(wants(7, {}, alert)).toBe(true);
    expect(wants(9, { strategy_ids: [4] }, alert)).toBe(true);
    expect(wants(9, { types: ['signal_update'] }, alert)).toBe(false);
  });

  it('a training job’s messages reach its owner’s subscribers of that job (or of every job) only', () => {
    expect(wants(7, { job_ids: [4] }, training(7, 4))).toBe(true);
    expect(wants(7, { job_ids: [5] }, training(7, 4))).toBe(false);
    expect(wants(7, {}, training(7, 4))).toBe(true);
    expect(wants(7, { job_ids: [4] }, training(8, 4))).toBe(false);
    expect(delivered(7, { job_ids: [4] }, training(8, 4))).toBe(false);
  });

  it('a message goes to at most 16 rooms; an absurdly broad subscription is refused', () => {
    expect(roomsOf(signal(7, 1, 'BTC/USDT'))).toHaveLength(16);
    expect(() =>
      roomsFor(7, {
        strategy_ids: Array.from({ length: 100 }, (_, i) => i),
        pairs: Array.from({ length: 30 }, (_, i) => `P${i}/USDT`),
      }),
    ).toThrow(RangeError);
  });
});
