/**
 * Charts on a running strategy's bot (real freqtrade, Binance emulator): the bot's analysed candles
 * serve a kline request for its market without any exchange call from BTC Watcher, and strategy_id
 * indicators return the fixture strategy's own columns and plot_config. ChartedCross's columns are
 * known for the scripted series: closes alternate 98 / 106 by minute.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { RunningBotCandles } from '../../src/modules/freqtrade/running-bot-candles.service.js';
import { startBinanceEmulator } from '../emulators/binance/server.mjs';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { describeIfFreqtrade, FREQTRADE_BIN } from '../support/freqtrade.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const MINUTE = 60_000;
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/strategies');
const closeAt = (openTime: number) => (Math.floor(openTime / MINUTE) % 2 === 1 ? 106 : 98);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | false, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describeIfFreqtrade('charts from a running bot (real freqtrade, Binance emulator)', () => {
  let emu: Awaited<ReturnType<typeof startBinanceEmulator>>;
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let strategyId: number;
  let stoppedId: number;

  const get = (user: TestUser, url: string) =>
    t.request({ method: 'GET', url: `/api/v1/charts/${url}`, headers: bearer(user.accessToken) });
  /** Kline calls made by BTC Watcher itself (ccxt on Node), not by the bot (ccxt on Python/aiohttp). */
  const appKlineCalls = () =>
    emu.requests.filter((r) => r.path === '/api/v3/klines' && !/python|aiohttp/i.test(r.userAgent));

  beforeAll(async () => {
    emu = await startBinanceEmulator({
      markets: ['BTCUSDT', 'ETHUSDT'],
      series: [
        { symbol: 'BTCUSDT', interval: '1m', generate: (openTime: number) => ({ close: closeAt(openTime) }) },
      ],
    });
    t = await startTestApp({
      mode: 'embedded',
      env: {
        RATE_LIMIT_MAX: '0',
        FREQTRADE_BIN: FREQTRADE_BIN!,
        EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emu.url }),
        FREQTRADE_STOP_GRACE_SECONDS: '10',
      },
    });
    alice = await createUser(t);
    bob = await createUser(t);
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    copyFileSync(
      path.join(FIXTURES, 'ChartedCross.py'),
      path.join(t.dataDir, 'strategies', 'ChartedCross.py'),
    );
    const create = async (name: string) => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/strategies',
        headers: bearer(alice.accessToken),
        payload: {
          name,
          config: {
            strategy_class: 'ChartedCross',
            strategy_file: 'ChartedCross.py',
            timeframe: '1m',
            pair_whitelist: ['BTC/USDT'],
            exchange: 'binance',
          },
        },
      });
      expect(res.statusCode).toBe(201);
      return body(res).data.id as number;
    };
    strategyId = await create('charted');
    stoppedId = await create('charted-idle');
    const start = await t.request({
      method: 'POST',
      url: `/api/v1/strategies/${strategyId}/start`,
      headers: bearer(alice.accessToken),
    });
    expect({ status: start.statusCode, body: start.statusCode === 200 ? 'ok' : start.body }).toEqual({
      status: 200,
      body: 'ok',
    });
    // The capture's backfill: the bot's history of the pair, ending at the latest closed candle.
    const candles = t.app.get(RunningBotCandles);
    await until(
      'the bot’s analysed history',
      () => {
        const s = candles.find({ exchange: 'binance', pair: 'BTC/USDT', timeframe: '1m' })?.series;
        return (
          !!s && s.dates.length > 300 && s.dates.at(-1)! >= Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE
        );
      },
      120_000,
    );
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await emu?.close();
  });

  it('kline for the monitored market comes from the bot: no exchange call, candle for candle', async () => {
    // Proves the filter sees BTC Watcher's own calls: an unmonitored pair goes to the exchange.
    emu.requests.length = 0;
    const eth = await get(bob, 'kline?pair=ETH/USDT&timeframe=1m&limit=5');
    expect(body(eth).data.source).toBe('exchange');
    expect(appKlineCalls().length).toBeGreaterThan(0);

    emu.requests.length = 0;
    // Bob has no strategy: the candles are public market data, whoever's bot fetched them.
    const res = await get(bob, 'kline?pair=BTC/USDT&timeframe=1m&limit=300');
    expect(res.statusCode).toBe(200);
    const d = body(res).data;
    expect(appKlineCalls()).toEqual([]);
    expect(d.source).toBe('bot');
    expect(d.data).toHaveLength(300);
    const lastClosed = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
    const last = Date.parse(d.data.at(-1).timestamp);
    // The bot's view ends at the candle it analysed last (the latest closed one, or one before
    // right at a minute boundary).
    expect(lastClosed - last).toBeLessThanOrEqual(MINUTE);
    d.data.forEach((c: { timestamp: string; close: number }, i: number) => {
      expect(c.timestamp).toBe(new Date(last - (299 - i) * MINUTE).toISOString());
      expect(c.close).toBe(closeAt(Date.parse(c.timestamp)));
    });
  });

  it('a range older than the bot holds: the exchange adds only the missing head', async () => {
    const first = t.app
      .get(RunningBotCandles)
      .find({ exchange: 'binance', pair: 'BTC/USDT', timeframe: '1m' })!.series.dates[0]!;
    emu.requests.length = 0;
    const start = new Date(first - 10 * MINUTE).toISOString();
    const res = await get(alice, `kline?pair=BTC/USDT&timeframe=1m&start_time=${start}&limit=20`);
    const d = body(res).data;
    expect(d.source).toBe('bot+exchange');
    expect(d.data.map((c: { timestamp: string }) => Date.parse(c.timestamp))).toEqual(
      Array.from({ length: 20 }, (_, i) => first + (i - 10) * MINUTE),
    );
    expect(appKlineCalls().length).toBeGreaterThan(0);
  });

  it('indicators with strategy_id: the strategy’s own columns on its candles, and its plot_config', async () => {
    emu.requests.length = 0;
    const res = await get(
      alice,
      `indicators?pair=BTC/USDT&timeframe=1m&limit=50&strategy_id=${strategyId}&indicators=ma:3`,
    );
    expect(res.statusCode).toBe(200);
    const d = body(res).data;
    expect(appKlineCalls()).toEqual([]);
    expect(d.source).toBe('bot');
    expect(d.timestamps).toHaveLength(50);
    const opens = (d.timestamps as string[]).map((s) => Date.parse(s));
    expect(d.strategy.strategy_id).toBe(strategyId);
    // Numeric columns only (the text column `side`, OHLCV, signals and tags are left out).
    expect(Object.keys(d.strategy.columns).sort()).toEqual(['distance', 'level', 'prev_close']);
    expect(d.strategy.columns.distance).toEqual(opens.map((o) => closeAt(o) - 100));
    expect(d.strategy.columns.level).toEqual(opens.map(() => 100));
    expect(d.strategy.columns.prev_close).toEqual(opens.map((o) => closeAt(o - MINUTE)));
    expect(d.strategy.plot_config).toEqual({
      main_plot: { level: { color: 'gray' } },
      subplots: { Distance: { distance: { color: 'red', type: 'bar' } } },
    });
    // Standard indicators asked for alongside are computed on the same candles.
    expect(d.indicators['ma:3'].value.slice(2)).toEqual(
      opens
        .slice(2)
        .map((_, i) => (closeAt(opens[i]!) + closeAt(opens[i + 1]!) + closeAt(opens[i + 2]!)) / 3),
    );
  });

  it('strategy_id errors: another user’s is 404, a stopped one 409, an unmonitored pair 422', async () => {
    const other = await get(bob, `indicators?pair=BTC/USDT&timeframe=1m&strategy_id=${strategyId}`);
    expect(other.statusCode).toBe(404);
    expect(body(other).error.code).toBe('STRATEGY_NOT_FOUND');
    const stopped = await get(alice, `indicators?pair=BTC/USDT&timeframe=1m&strategy_id=${stoppedId}`);
    expect(stopped.statusCode).toBe(409);
    expect(body(stopped).error.code).toBe('STRATEGY_NOT_RUNNING');
    const pair = await get(alice, `indicators?pair=ETH/USDT&timeframe=1m&strategy_id=${strategyId}`);
    expect(pair.statusCode).toBe(422);
    expect(body(pair).error).toMatchObject({
      code: 'PAIR_NOT_MONITORED',
      details: { monitored: [{ pair: 'BTC/USDT', timeframe: '1m' }] },
    });
  });
});
