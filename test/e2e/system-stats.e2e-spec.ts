import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CLOCK, ManualClock } from '../../src/infra/clock/clock.port.js';
import { ProxySelector } from '../../src/infra/http/proxy-selector.js';
import type { SignalCandidate } from '../../src/modules/signals/signal-candidate.js';
import { SignalsService } from '../../src/modules/signals/signals.service.js';
import { HealthService } from '../../src/modules/system/health.service.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES, REDIS_URL } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const HOUR = 3_600_000;

describe.each(MODES)('system stats and the 30 s cache (%s)', (mode) => {
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  const clock = new ManualClock(Date.now());
  let strategyId: number;

  const stats = async () => {
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/system/stats',
      headers: bearer(admin.accessToken),
    });
    expect(res.statusCode).toBe(200);
    return body(res).data;
  };
  const createStrategy = async (name: string) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/strategies',
      headers: bearer(user.accessToken),
      payload: {
        name,
        config: {
          strategy_file: 'probe.py',
          strategy_class: 'Probe',
          timeframe: '1h',
          pair_whitelist: ['BTC/USDT'],
        },
      },
    });
    expect(res.statusCode).toBe(201);
    return body(res).data.id as number;
  };

  beforeAll(async () => {
    t = await startTestApp({
      mode,
      env: { RATE_LIMIT_MAX: '0' },
      overrides: [{ provide: CLOCK, useValue: clock }],
    });
    admin = await createUser(t, { superuser: true });
    user = await createUser(t);
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    writeFileSync(
      path.join(t.dataDir, 'strategies', 'probe.py'),
      'from freqtrade.strategy import IStrategy\n\nclass Probe(IStrategy):\n    pass\n',
    );
    strategyId = await createStrategy('Counted');
    const candle = (hoursAgo: number): SignalCandidate => ({
      strategyId,
      pair: 'BTC/USDT',
      exchange: 'binance',
      timeframe: '1h',
      candleTime: new Date(Math.floor(clock.now() / HOUR) * HOUR - hoursAgo * HOUR),
      kind: 'enter_long',
      strength: 90,
      price: 100,
    });
    // 2 within 24 h, 1 three days ago, 1 twenty days ago (in the total, not per day).
    expect(
      (await t.app.get(SignalsService).ingest([candle(1), candle(5), candle(72), candle(480)])).stored,
    ).toBe(4);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is for superusers only', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/system/stats',
      headers: bearer(user.accessToken),
    });
    expect(res.statusCode).toBe(403);
  });

  it('reports strategies, bots, signals, database, cache and process figures', async () => {
    const s = await stats();
    expect(s.strategies).toEqual({ total: 1, by_status: { stopped: 1 } });
    expect(s.bots).toEqual({ running: 0, unhealthy: 0 });
    expect(s.signals.total).toBe(4);
    expect(s.signals.last_24h).toBe(2);
    expect(s.signals.per_day).toHaveLength(7);
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    expect(s.signals.per_day.at(-1).date).toBe(today);
    expect(s.signals.per_day.reduce((a: number, d: { count: number }) => a + d.count, 0)).toBe(3);
    expect(s.notifications).toBeNull();
    // The proxy pool is plugged in and empty.
    expect(s.proxies).toMatchObject({ healthy: 0, total: 0 });
    expect(s.database.size_bytes).toBeGreaterThan(0);
    const signalsTable = s.database.partitioned_tables.find((p: { table: string }) => p.table === 'signals');
    expect(signalsTable).toEqual({
      table: 'signals',
      partitions: expect.any(Number),
      size_bytes: expect.any(Number),
    });
    expect(signalsTable.partitions).toBeGreaterThanOrEqual(2);
    expect(s.cache.backend).toBe(mode === 'postgres' && REDIS_URL ? 'redis' : 'embedded');
    expect(s.process.rss_bytes).toBeGreaterThan(10_000_000);
    expect(s.process.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  it('caches the database figures for 30 s; the proxy pool and bots are live', async () => {
    const before = await stats();
    await createStrategy('Later');
    const previous = t.app.get(ProxySelector).use({
      choose: () => Promise.resolve({ endpoint: null, via: 'direct' }),
      exists: () => Promise.resolve(false),
      counts: () => Promise.resolve({ healthy: 1, total: 2 }),
    });
    try {
      const cached = await stats();
      expect(cached.strategies).toEqual(before.strategies);
      expect(cached.proxies).toEqual({ healthy: 1, total: 2 });
      if (mode === 'embedded') {
        clock.advance(31_000);
        expect((await stats()).strategies.total).toBe(2);
      }
    } finally {
      t.app.get(ProxySelector).use(previous);
    }
  });

  it('GET /system/health: components are live (a component going down shows at once), details cached 30 s', async () => {
    let state: 'healthy' | 'unhealthy' = 'healthy';
    let detail = 1;
    t.app.get(HealthService).register({
      name: 'probe',
      check: () => Promise.resolve(state),
      details: () => Promise.resolve({ n: detail }),
    });
    const health = async () => body(await t.request({ method: 'GET', url: '/api/v1/system/health' })).data;
    const first = await health();
    expect(first.components).toMatchObject({
      database: 'healthy',
      proxy: 'not_configured',
      freqtrade: expect.any(String),
    });
    detail = 2;
    state = 'unhealthy';
    const down = await health();
    expect(down.components.probe).toBe('unhealthy');
    expect(down.status).toBe('degraded');
    if (mode === 'embedded') {
      // The details came from the cache until it expired.
      expect(first.details.probe).toEqual({ n: 1 });
      expect(down.details.probe).toEqual({ n: 1 });
      clock.advance(31_000);
      expect((await health()).details.probe).toEqual({ n: 2 });
    }
    state = 'healthy';
    expect((await health()).components.probe).toBe('healthy');
  });
});
