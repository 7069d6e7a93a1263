import { describe, expect, it } from '@jest/globals';
import { healthScore, timeframeMs, type BotHealthInputs } from './health-score.js';

const now = 10_000_000;
const healthy: BotHealthInputs = {
  now,
  timeframeMs: 60_000,
  lastProcessMs: now - 2_000,
  apiReachable: true,
  wsConnected: true,
  lastAnalyzedMs: now - 30_000,
  startedMs: now - 3_600_000,
  warnings15m: 0,
  errors15m: 0,
  restartsLastHour: 0,
};

describe('healthScore', () => {
  it('is 100 for a bot that loops, is connected, analyses every candle and is quiet', () => {
    expect(healthScore(healthy)).toEqual({
      score: 100,
      parts: { loop: 30, websocket: 20, candles: 25, logs: 15, restarts: 10 },
    });
  });

  it('loses the loop part linearly between 30 s and a timeframe + 60 s', () => {
    expect(healthScore({ ...healthy, lastProcessMs: now - 75_000 }).parts.loop).toBe(15);
    expect(healthScore({ ...healthy, lastProcessMs: now - 120_000 }).parts.loop).toBe(0);
    expect(healthScore({ ...healthy, lastProcessMs: null }).parts.loop).toBe(0);
    expect(healthScore({ ...healthy, apiReachable: false }).parts.loop).toBe(0);
  });

  it('loses the candle part when no frame came for more than a timeframe (+30 s slack)', () => {
    expect(healthScore({ ...healthy, lastAnalyzedMs: now - 90_000 }).parts.candles).toBe(25);
    expect(healthScore({ ...healthy, lastAnalyzedMs: now - 150_000 }).parts.candles).toBe(13);
    expect(healthScore({ ...healthy, lastAnalyzedMs: now - 210_000 }).parts.candles).toBe(0);
  });

  it('does not punish a young bot for frames it cannot have sent yet', () => {
    expect(healthScore({ ...healthy, lastAnalyzedMs: null, startedMs: now - 10_000 }).parts.candles).toBe(25);
  });

  it('takes 2 per warning, 5 per error, 5 per restart, never below zero', () => {
    const s = healthScore({ ...healthy, warnings15m: 2, errors15m: 1, restartsLastHour: 1 });
    expect(s.parts.logs).toBe(6);
    expect(s.parts.restarts).toBe(5);
    expect(s.score).toBe(86);
    const worst = healthScore({
      ...healthy,
      wsConnected: false,
      lastProcessMs: null,
      lastAnalyzedMs: now - 999_999,
      warnings15m: 50,
      errors15m: 50,
      restartsLastHour: 9,
    });
    expect(worst.score).toBe(0);
  });

  it('parses timeframes', () => {
    expect(['1m', '5m', '1h', '4h', '1d', '1w', 'x', '5'].map(timeframeMs)).toEqual([
      60_000,
      300_000,
      3_600_000,
      14_400_000,
      86_400_000,
      604_800_000,
      null,
      null,
    ]);
  });
});
