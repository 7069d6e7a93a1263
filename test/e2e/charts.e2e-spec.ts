import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { CLOCK, ManualClock } from '../../src/infra/clock/clock.port.js';
import { CHUNK } from '../../src/infra/exchange/market-data.js';
import { ProxySelector } from '../../src/infra/http/proxy-selector.js';
import type { SignalCandidate } from '../../src/modules/signals/signal-candidate.js';
import { SignalsService } from '../../src/modules/signals/signals.service.js';
import { startBinanceEmulator, type BinanceEmulator } from '../emulators/binance/server.mjs';
import { startSocks5Proxy } from '../emulators/proxies/proxy-servers.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES, REDIS_URL } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const MIN = 60_000;
/** A deterministic price per candle open time, so every answer can be checked candle by candle. */
const priceAt = (open: number) => 1000 + ((open / MIN) % 97) + ((open / MIN) % 13) / 10;
// Chart times are written like /signals' (milliseconds, Z), not like the envelope's own timestamp.
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(MODES)('charts (%s)', (mode) => {
  let t: TestApp;
  let emu: BinanceEmulator;
  let alice: TestUser;
  let bob: TestUser;
  // Five seconds into a minute: moving the clock 11 s stays inside the same forming 1m candle.
  const clock = new ManualClock(Math.floor(Date.now() / MIN) * MIN - 30 * MIN + 5_000);
  const formingOpen = () => Math.floor(clock.now() / MIN) * MIN;
  let bump = 0;

  const get = async (user: TestUser, url: string) =>
    t.request({ method: 'GET', url: `/api/v1/charts/${url}`, headers: bearer(user.accessToken) });
  const klineCalls = () => emu.requests.filter((r) => r.path === '/api/v3/klines');

  beforeAll(async () => {
    emu = await startBinanceEmulator({
      now: () => clock.now(),
      markets: ['BTCUSDT', 'ETHUSDT'],
      series: [
        {
          symbol: 'BTCUSDT',
          interval: '1m',
          generate: (open: number) => ({
            close: priceAt(open) + (open === formingOpen() ? bump : 0),
            volume: 5 + ((open / MIN) % 4),
          }),
        },
      ],
    });
    t = await startTestApp({
      mode,
      env: {
        RATE_LIMIT_MAX: '0',
        EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emu.url }),
        EXCHANGE_TIMEOUT_MS: '1000',
      },
      overrides: [{ provide: CLOCK, useValue: clock }],
    });
    alice = await createUser(t);
    bob = await createUser(t);
  });
  afterAll(async () => {
    await t?.close();
    await emu?.close();
  });
  beforeEach(() => {
    emu.requests.length = 0;
  });

  it('GET /charts/kline: the last 500 candles in the spec shape, oldest first, the forming one last', async () => {
    const res = await get(alice, 'kline?pair=BTC/USDT&timeframe=1m');
    expect(res.statusCode).toBe(200);
    const d = body(res).data;
    expect(d).toMatchObject({ exchange: 'binance', pair: 'BTC/USDT', timeframe: '1m' });
    expect(d.data).toHaveLength(500);
    const end = formingOpen();
    d.data.forEach((c: Record<string, unknown>, i: number) => {
      const open = end - (499 - i) * MIN;
      expect(c).toEqual({
        timestamp: iso(open),
        open: c.open,
        high: expect.any(Number),
        low: expect.any(Number),
        close: priceAt(open),
        volume: 5 + ((open / MIN) % 4),
      });
    });
    // Every call went to the emulator, through EXCHANGE_URL_OVERRIDES; pages of at most one chunk.
    expect(klineCalls().length).toBeGreaterThanOrEqual(1);
    for (const r of klineCalls()) expect(Number(r.query.limit)).toBeLessThanOrEqual(CHUNK);
  });

  it('a second identical request is served from the cache: no exchange call', async () => {
    const first = body(await get(alice, 'kline?pair=BTC/USDT&timeframe=1m')).data;
    emu.requests.length = 0;
    const again = await get(bob, 'kline?pair=BTC/USDT&timeframe=1m');
    expect(body(again).data).toEqual(first);
    expect(emu.requests).toEqual([]);
  });

  it('the forming candle is refreshed after 10 s; closed candles stay cached', async () => {
    await get(alice, 'kline?pair=BTC/USDT&timeframe=1m&limit=600');
    emu.requests.length = 0;
    bump = 7;
    if (mode === 'embedded') {
      // The embedded cache runs on the app's clock.
      clock.advance(9_000);
      expect(body(await get(alice, 'kline?pair=BTC/USDT&timeframe=1m&limit=3')).data.data.at(-1).close).toBe(
        priceAt(formingOpen()),
      );
      expect(klineCalls()).toEqual([]);
      clock.advance(2_000);
      const after = body(await get(alice, 'kline?pair=BTC/USDT&timeframe=1m&limit=600')).data.data;
      expect(after.at(-1).close).toBe(priceAt(formingOpen()) + 7);
      // Only the chunk holding the forming candle was fetched again.
      expect(klineCalls()).toHaveLength(1);
      expect(Number(klineCalls()[0]!.query.startTime)).toBe(
        Math.floor(formingOpen() / (CHUNK * MIN)) * CHUNK * MIN,
      );
    } else {
      // Redis keeps its own time: the entries' TTLs say the same.
      const redis = new Redis(REDIS_URL!, { keyPrefix: t.config.redis!.keyPrefix });
      try {
        const current = Math.floor(formingOpen() / (CHUNK * MIN));
        const ttl = (i: number) => redis.pttl(`cache:mkt:kl:binance:BTC/USDT:1m:${i}`);
        expect(await ttl(current)).toBeGreaterThan(0);
        expect(await ttl(current)).toBeLessThanOrEqual(10_000);
        expect(await ttl(current - 1)).toBeGreaterThan(9 * MIN);
        await redis.del(`cache:mkt:kl:binance:BTC/USDT:1m:${current}`);
        // The instance that fetched the forming chunk keeps it in-process until its entry's TTL
        // (on the app's clock), so it does not even read Redis for it meanwhile.
        const held = body(await get(alice, 'kline?pair=BTC/USDT&timeframe=1m&limit=3')).data.data;
        expect(held.at(-1).close).toBe(priceAt(formingOpen()));
        expect(klineCalls()).toEqual([]);
        clock.advance(11_000); // past the TTL: Redis has dropped the entry, the local copy expired
      } finally {
        redis.disconnect();
      }
      const after = body(await get(alice, 'kline?pair=BTC/USDT&timeframe=1m&limit=600')).data.data;
      expect(after.at(-1).close).toBe(priceAt(formingOpen()) + 7);
      expect(klineCalls()).toHaveLength(1);
    }
    bump = 0;
  });

  it('pages across a range longer than one exchange page (limit 1500)', async () => {
    const start = formingOpen() - 3000 * MIN;
    const res = await get(alice, `kline?pair=ETH/USDT&timeframe=1m&start_time=${iso(start)}&limit=1500`);
    expect(res.statusCode).toBe(200);
    const data = body(res).data.data as { timestamp: string }[];
    expect(data).toHaveLength(1500);
    expect(data.map((c) => c.timestamp)).toEqual(
      Array.from({ length: 1500 }, (_, i) => iso(start + i * MIN)),
    );
    expect(klineCalls().length).toBeGreaterThanOrEqual(3);
    // The same range with an end: [start, end] inclusive.
    const end = start + 9 * MIN;
    const ranged = body(
      await get(alice, `kline?pair=ETH/USDT&timeframe=1m&start_time=${iso(start)}&end_time=${iso(end)}`),
    ).data.data;
    expect(ranged.map((c: { timestamp: string }) => c.timestamp)).toEqual(
      Array.from({ length: 10 }, (_, i) => iso(start + i * MIN)),
    );
  });

  it('concurrent identical requests share one exchange call per chunk', async () => {
    const url = 'kline?pair=ETH/USDT&timeframe=5m&limit=200';
    const answers = await Promise.all(Array.from({ length: 6 }, () => get(alice, url)));
    for (const a of answers) expect(a.statusCode).toBe(200);
    const starts = klineCalls().map((r) => r.query.startTime);
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(starts).size).toBe(starts.length);
  });

  it('maps exchange failures: down → 502 EXCHANGE_UNAVAILABLE, slow → 504 EXCHANGE_TIMEOUT', async () => {
    await emu.setDown(true);
    try {
      const down = await get(alice, 'kline?pair=BTC/USDT&timeframe=15m&limit=10');
      expect(down.statusCode).toBe(502);
      expect(body(down).error.code).toBe('EXCHANGE_UNAVAILABLE');
    } finally {
      await emu.setDown(false);
    }
    // Ranges inside one cache chunk: one exchange call each, so one scripted failure covers it.
    const oneChunk = (tfMin: number) => {
      const size = CHUNK * tfMin * MIN;
      return `start_time=${iso(Math.floor(formingOpen() / size) * size)}&limit=10`;
    };
    emu.failNext('/api/v3/klines', { delayMs: 2_500 });
    const slow = await get(alice, `kline?pair=BTC/USDT&timeframe=30m&${oneChunk(30)}`);
    expect(slow.statusCode).toBe(504);
    expect(body(slow).error.code).toBe('EXCHANGE_TIMEOUT');
    emu.failNext('/api/v3/klines', { status: 503, body: 'Service Unavailable' });
    const refused = await get(alice, `kline?pair=BTC/USDT&timeframe=2h&${oneChunk(120)}`);
    expect(refused.statusCode).toBe(502);
    expect(body(refused).error.code).toBe('EXCHANGE_UNAVAILABLE');
    // A failure is not cached: the next request asks again and succeeds.
    expect((await get(alice, `kline?pair=BTC/USDT&timeframe=2h&${oneChunk(120)}`)).statusCode).toBe(200);
  });

  it.each([
    ['kline?pair=DOGE/USDT&timeframe=1m', 'UNKNOWN_PAIR'],
    ['kline?pair=BTC/USDT&timeframe=7m', 'UNKNOWN_TIMEFRAME'],
    ['kline?pair=BTC/USDT&timeframe=1m&exchange=nosuchexchange', 'UNKNOWN_EXCHANGE'],
    ['kline?pair=BTC/USDT&timeframe=1m&limit=1501', 'VALIDATION_ERROR'],
    ['kline?pair=btcusdt&timeframe=1m', 'VALIDATION_ERROR'],
    [
      'kline?pair=BTC/USDT&timeframe=1m&start_time=2026-01-02T00:00:00Z&end_time=2026-01-01T00:00:00Z',
      'VALIDATION_ERROR',
    ],
    ['kline?timeframe=1m', 'VALIDATION_ERROR'],
    ['indicators?pair=BTC/USDT&timeframe=1m&indicators=ma:20,foo', 'UNKNOWN_INDICATOR'],
    ['indicators?pair=BTC/USDT&timeframe=1m&indicators=rsi:0', 'UNKNOWN_INDICATOR'],
  ])('GET /charts/%s → 400 %s', async (url, code) => {
    const res = await get(alice, url);
    expect(res.statusCode).toBe(400);
    expect(body(res).error.code).toBe(code);
  });

  it('GET /charts/indicators: on the same candles as kline, aligned, null while warming up; no extra exchange call', async () => {
    const kl = body(await get(alice, 'kline?pair=BTC/USDT&timeframe=1m&limit=100')).data.data;
    emu.requests.length = 0;
    const res = await get(
      alice,
      'indicators?pair=BTC/USDT&timeframe=1m&limit=100&indicators=ma:20,rsi:14,macd,boll:20:2',
    );
    expect(res.statusCode).toBe(200);
    const d = body(res).data;
    expect(emu.requests).toEqual([]);
    expect(d.timestamps).toEqual(kl.map((c: { timestamp: string }) => c.timestamp));
    expect(Object.keys(d.indicators)).toEqual(['ma:20', 'rsi:14', 'macd:12:26:9', 'boll:20:2']);
    const ma = d.indicators['ma:20'].value as (number | null)[];
    expect(ma).toHaveLength(100);
    expect(ma.slice(0, 19)).toEqual(Array(19).fill(null));
    const closes = kl.map((c: { close: number }) => c.close);
    const mean = closes.slice(80, 100).reduce((a: number, b: number) => a + b, 0) / 20;
    expect(ma[99]).toBeCloseTo(mean, 9);
    expect(Object.keys(d.indicators['macd:12:26:9'])).toEqual(['macd', 'signal', 'histogram']);
    expect(d.indicators['rsi:14'].value[14]).toEqual(expect.any(Number));
  });

  it('fetches through the proxy pool; a SOCKS5 proxy with special-character credentials works', async () => {
    const creds = { username: 'u@ser:1', password: 'p@ss:w/rd%#' };
    const proxy = await startSocks5Proxy(creds);
    const selector = t.app.get(ProxySelector);
    const asked: unknown[] = [];
    const previous = selector.use({
      choose: async (req) => {
        asked.push(req);
        return {
          endpoint: { id: 9, type: 'socks5', host: '127.0.0.1', port: proxy.port, ...creds },
          via: 'pool',
        };
      },
      exists: async () => true,
    });
    try {
      const res = await get(alice, 'kline?pair=ETH/USDT&timeframe=4h&limit=5');
      expect(res.statusCode).toBe(200);
      expect(body(res).data.data).toHaveLength(5);
      expect(asked).toContainEqual({ ownerId: alice.id, usePool: true });
      expect(proxy.destinations).toContain('127.0.0.1');
      expect(klineCalls().length).toBeGreaterThanOrEqual(1);
    } finally {
      selector.use(previous);
      await proxy.close();
    }
  });

  it('GET /charts/signals: annotations from the journal, deleted strategies included, owner only', async () => {
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    writeFileSync(
      path.join(t.dataDir, 'strategies', 'probe.py'),
      'from freqtrade.strategy import IStrategy\n\nclass Probe(IStrategy):\n    pass\n',
    );
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/strategies',
      headers: bearer(alice.accessToken),
      payload: {
        name: 'Charted',
        config: {
          strategy_file: 'probe.py',
          strategy_class: 'Probe',
          timeframe: '1m',
          pair_whitelist: ['BTC/USDT'],
        },
      },
    });
    expect(created.statusCode).toBe(201);
    const strategyId = body(created).data.id as number;
    const at = (n: number) => new Date(formingOpen() - n * MIN);
    const candidate = (n: number, over: Partial<SignalCandidate> = {}): SignalCandidate => ({
      strategyId,
      pair: 'BTC/USDT',
      exchange: 'binance',
      timeframe: '1m',
      candleTime: at(n),
      kind: 'enter_long',
      strength: 85,
      price: priceAt(at(n).getTime()),
      tag: 'dip',
      ...over,
    });
    const r = await t.app
      .get(SignalsService)
      .ingest([
        candidate(30),
        candidate(20, { kind: 'exit_long', strength: 55 }),
        candidate(10, { pair: 'ETH/USDT' }),
        candidate(5, { strength: 25 }),
      ]);
    expect(r.stored).toBe(4);
    // The journal's own times, exactly as /signals writes them: the chart must write them the same way.
    const journal = body(
      await t.request({
        method: 'GET',
        url: `/api/v1/signals?strategy_id=${strategyId}`,
        headers: bearer(alice.accessToken),
      }),
    ).data.signals as { pair: string; timestamp: string }[];
    const journalTimes = journal
      .filter((s) => s.pair === 'BTC/USDT')
      .map((s) => s.timestamp)
      .sort();
    expect(journalTimes).toHaveLength(3);
    expect(
      (
        await t.request({
          method: 'DELETE',
          url: `/api/v1/strategies/${strategyId}`,
          headers: bearer(alice.accessToken),
        })
      ).statusCode,
    ).toBe(200);

    const res = await get(alice, `signals?pair=BTC/USDT&timeframe=1m&strategy_id=${strategyId}`);
    expect(res.statusCode).toBe(200);
    const d = body(res).data;
    expect(d).toMatchObject({ pair: 'BTC/USDT', timeframe: '1m' });
    expect(d.signals).toEqual([
      {
        id: expect.any(String),
        timestamp: iso(at(30).getTime()),
        price: priceAt(at(30).getTime()),
        signal_type: 'BUY',
        kind: 'enter_long',
        strength_level: 'strong',
        strength_raw: 85,
        priority: 'P0',
        strategy_id: strategyId,
        strategy_name: 'Charted',
        strategy_version: expect.any(String),
        tag: 'dip',
        notification_sent: false,
        notification_channels: [],
      },
      expect.objectContaining({
        timestamp: iso(at(20).getTime()),
        signal_type: 'SELL',
        strength_level: 'medium',
        priority: 'P1',
      }),
      expect.objectContaining({ timestamp: iso(at(5).getTime()), strength_level: 'weak', priority: 'P2' }),
    ]);
    expect(d.signals.map((s: { timestamp: string }) => s.timestamp).sort()).toEqual(journalTimes);
    // A range: start inclusive, end inclusive.
    const ranged = body(
      await get(
        alice,
        `signals?pair=BTC/USDT&timeframe=1m&start_time=${iso(at(20).getTime())}&end_time=${iso(at(5).getTime())}`,
      ),
    ).data;
    expect(ranged.signals.map((s: { timestamp: string }) => s.timestamp)).toEqual([
      iso(at(20).getTime()),
      iso(at(5).getTime()),
    ]);
    // Someone else sees none of them.
    expect(body(await get(bob, 'signals?pair=BTC/USDT&timeframe=1m')).data.signals).toEqual([]);
  });

  it('needs a token', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/charts/kline?pair=BTC/USDT&timeframe=1m' });
    expect(res.statusCode).toBe(401);
  });
});
