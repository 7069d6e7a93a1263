import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { Events } from '../../src/common/events/event-map.js';
import { NotificationCatchUp } from '../../src/modules/notifications/notification-catch-up.service.js';
import { NotificationDispatcher } from '../../src/modules/notifications/notification-dispatcher.service.js';
import { NotificationPlanner } from '../../src/modules/notifications/notification-planner.service.js';
import type { SignalCandidate } from '../../src/modules/signals/signal-candidate.js';
import { SignalsQueryService } from '../../src/modules/signals/signals-query.service.js';
import { SignalsService } from '../../src/modules/signals/signals.service.js';
import { FeishuEmulator } from '../emulators/feishu/feishu-emulator.js';
import { bearer, createUser } from '../factories/user.factory.js';
import { createDataDir, createTestDatabase } from '../support/databases.js';
import { MODES, PG_ADMIN_URL, type Mode } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const SOURCE = 'from freqtrade.strategy import IStrategy\n\nclass Probe(IStrategy):\n    pass\n';
const HOUR = 3_600_000;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Apps of one installation that outlive each other: the test owns the data dir and database. */
async function installation(mode: Mode) {
  const dir = createDataDir({ withDatabase: mode === 'embedded' });
  const db = mode === 'postgres' ? await createTestDatabase(PG_ADMIN_URL!, { migrated: true }) : undefined;
  return {
    start: () =>
      startTestApp({
        mode,
        reuse: { dataDir: dir.dir, databaseUrl: db?.url },
        // Only the start-up sweep runs by itself; the test calls further sweeps.
        env: { RATE_LIMIT_MAX: '0', NOTIFY_POLL_MS: '50', NOTIFY_CATCHUP_MS: '0' },
      }),
    dir: dir.dir,
    async remove() {
      await db?.drop();
      dir.remove();
    },
  };
}

describe.each(MODES)('notification catch-up (%s)', (mode) => {
  let feishu: FeishuEmulator;
  let inst: Awaited<ReturnType<typeof installation>>;
  let t: TestApp | undefined;

  beforeAll(async () => {
    feishu = await new FeishuEmulator().start();
    inst = await installation(mode);
    mkdirSync(path.join(inst.dir, 'strategies'), { recursive: true });
    writeFileSync(path.join(inst.dir, 'strategies', 'probe.py'), SOURCE);
  });
  afterAll(async () => {
    await t?.close();
    await inst?.remove();
    await feishu?.close();
  });

  it('a signal whose planner never ran (crash after the insert) is notified after restart, and nothing twice', async () => {
    t = await inst.start();
    const token = `tok-${randomBytes(6).toString('hex')}`;
    const secret = `fs-${randomBytes(6).toString('hex')}`;
    feishu.bots.set(token, { secret });
    const user = await createUser(t);
    const auth = bearer(user.accessToken);
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/strategies',
      headers: auth,
      payload: {
        name: 'CatchUp',
        config: {
          strategy_file: 'probe.py',
          strategy_class: 'Probe',
          timeframe: '1h',
          pair_whitelist: ['BTC/USDT'],
        },
      },
    });
    expect(created.statusCode).toBe(201);
    const strategyId = body(created).data.id as number;
    const put = await t.request({
      method: 'PUT',
      url: '/api/v1/notifications/channels',
      headers: auth,
      payload: { channels: [{ type: 'feishu', config: { token, secret }, base_url: feishu.url }] },
    });
    expect(put.statusCode).toBe(200);
    const base = Math.floor(Date.now() / HOUR) * HOUR;
    const candidate = (hoursAgo: number, strength: number): SignalCandidate => ({
      strategyId,
      pair: 'BTC/USDT',
      exchange: 'binance',
      timeframe: '1h',
      candleTime: new Date(base - hoursAgo * HOUR),
      kind: 'enter_long',
      strength,
      price: 42_000,
      indicators: { rsi: 25 },
    });
    const db = () => t!.app.get(DataSource);
    const delivered = () => feishu.accepted.filter((a) => a.token === token).length;
    const signalRow = async (c: SignalCandidate) =>
      (
        (await db().query(
          `SELECT id, notification_sent, notification_channels FROM signals WHERE strategy_id = $1 AND timestamp = $2`,
          [strategyId, c.candleTime],
        )) as { id: string; notification_sent: boolean; notification_channels: string[] }[]
      )[0]!;

    // The crash: both signals commit, but their SignalCreated events never reach the planner.
    t.app.get(EventEmitter2).removeAllListeners(Events.SignalCreated);
    const strong = candidate(6, 95);
    const weak = candidate(4, 25);
    await t.app.get(SignalsService).ingest([strong, weak]);
    await t.app.get(NotificationDispatcher).drain();
    expect(delivered()).toBe(0);
    expect(await db().query(`SELECT 1 FROM notifications WHERE owner_id = $1`, [user.id])).toHaveLength(0);
    await t.close();

    // Restart: the start-up sweep decides both; the dispatcher sends the strong one.
    t = await inst.start();
    await waitFor('the strong signal delivered', async () => delivered() === 1);
    await waitFor('its flag set', async () => (await signalRow(strong)).notification_sent);
    const s = await signalRow(strong);
    expect(s.notification_channels).toEqual(['feishu']);
    const w = await signalRow(weak);
    expect(w.notification_sent).toBe(false);
    // P2 goes nowhere by default: decided, no row, and not decided again below.
    expect(
      await db().query(`SELECT 1 FROM notification_decisions WHERE signal_id = $1`, [w.id]),
    ).toHaveLength(1);

    // Nothing twice: another sweep, and the lost event arriving late after all.
    expect(await t.app.get(NotificationCatchUp).sweep(Date.now())).toEqual({ decided: 0, repaired: 0 });
    const stored = await t.app.get(SignalsQueryService).get(user.id, s.id);
    await t.app.get(NotificationPlanner).handleSignal({ ownerId: user.id, signal: { ...stored } });
    // A signal whose planner did run is left alone by the sweep.
    const live = candidate(2, 95);
    await t.app.get(SignalsService).ingest([live]);
    await waitFor('the live signal delivered', async () => delivered() === 2);
    expect(await t.app.get(NotificationCatchUp).sweep(Date.now())).toMatchObject({ decided: 0 });
    await t.app.get(NotificationDispatcher).drain();
    expect(delivered()).toBe(2);
    const rows = (await db().query(
      `SELECT signal_id, status FROM notifications WHERE owner_id = $1 ORDER BY created_at`,
      [user.id],
    )) as { signal_id: string; status: string }[];
    expect(rows.map((r) => r.status)).toEqual(['success', 'success']);

    // A crash between a verdict and the signal's mark: the sweep sets the flag from the history.
    await db().query(
      `UPDATE signals SET notification_sent = false, notification_channels = '{}' WHERE id = $1`,
      [s.id],
    );
    expect(await t.app.get(NotificationCatchUp).sweep(Date.now())).toEqual({ decided: 0, repaired: 1 });
    expect((await signalRow(strong)).notification_channels).toEqual(['feishu']);
    expect(delivered()).toBe(2);
  });
});
