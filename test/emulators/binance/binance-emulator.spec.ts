import net from 'node:net';
import { SERVED_PATHS, startBinanceEmulator, type BinanceEmulator } from './server.mjs';

const MIN = 60_000;
// 2025-01-01T12:00:30Z, half a minute into a 1m candle.
const T0 = Date.UTC(2025, 0, 1, 12, 0, 30);
const OPEN0 = Date.UTC(2025, 0, 1, 12, 0, 0);

// Closes fall for 20 candles, then rise for 10; the last one is forming.
const FALL_THEN_RISE = [
  ...Array.from({ length: 20 }, (_, i) => 200 - i * 2),
  ...Array.from({ length: 10 }, (_, i) => 164 + i * 3),
];

let clock = T0;
let emu: BinanceEmulator;

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(emu.url + path);
  return { status: res.status, body: await res.json() };
}

beforeEach(async () => {
  clock = T0;
  emu = await startBinanceEmulator({
    now: () => clock,
    markets: ['BTCUSDT', { symbol: 'ETH/USDT', tickSize: '0.1', stepSize: '0.001' }],
    series: [{ symbol: 'BTCUSDT', interval: '1m', closes: FALL_THEN_RISE }],
  });
});

afterEach(async () => {
  await emu.close();
});

describe('Binance emulator: endpoints', () => {
  it('answers ping and time by its clock', async () => {
    expect(await get('/api/v3/ping')).toEqual({ status: 200, body: {} });
    expect(await get('/api/v3/time')).toEqual({ status: 200, body: { serverTime: T0 } });
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('lists the markets in exchangeInfo with the fields and filters ccxt reads', async () => {
    const { status, body } = await get('/api/v3/exchangeInfo');
    expect(status).toBe(200);
    expect(body).toMatchObject({ timezone: 'UTC', serverTime: T0, exchangeFilters: [] });
    expect(body.symbols.map((s: any) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const eth = body.symbols[1];
    expect(eth).toMatchObject({
      status: 'TRADING',
      baseAsset: 'ETH',
      quoteAsset: 'USDT',
      baseAssetPrecision: 8,
      quotePrecision: 8,
      isSpotTradingAllowed: true,
      permissions: [],
    });
    expect(eth).not.toHaveProperty('contractType');
    const filters = Object.fromEntries(eth.filters.map((f: any) => [f.filterType, f]));
    expect(filters.PRICE_FILTER).toEqual({
      filterType: 'PRICE_FILTER',
      minPrice: '0.10000000',
      maxPrice: '1000000.00000000',
      tickSize: '0.10000000',
    });
    expect(filters.LOT_SIZE).toMatchObject({ minQty: '0.00100000', stepSize: '0.00100000' });
    expect(filters.NOTIONAL).toMatchObject({ minNotional: '5.00000000', maxNotional: '9000000.00000000' });

    expect((await get('/api/v3/exchangeInfo?symbol=ETHUSDT')).body.symbols).toHaveLength(1);
    const two = await get(`/api/v3/exchangeInfo?symbols=${encodeURIComponent('["ETHUSDT","BTCUSDT"]')}`);
    expect(two.body.symbols.map((s: any) => s.symbol)).toEqual(['ETHUSDT', 'BTCUSDT']);
    expect(await get('/api/v3/exchangeInfo?symbol=DOGEUSDT')).toEqual({
      status: 400,
      body: { code: -1121, msg: 'Invalid symbol.' },
    });
  });

  it('serves empty futures exchangeInfo for an un-narrowed ccxt', async () => {
    for (const path of ['/fapi/v1/exchangeInfo', '/dapi/v1/exchangeInfo']) {
      const { status, body } = await get(path);
      expect(status).toBe(200);
      expect(body).toMatchObject({ timezone: 'UTC', symbols: [] });
    }
  });

  it('serves full Binance kline rows, ascending and epoch-aligned, the forming candle last', async () => {
    const { status, body } = await get('/api/v3/klines?symbol=BTCUSDT&interval=1m');
    expect(status).toBe(200);
    expect(body).toHaveLength(30);
    expect(body.at(-1)).toEqual([
      OPEN0,
      '188.00000000',
      '191.00000000',
      '188.00000000',
      '191.00000000',
      '10.00000000',
      OPEN0 + MIN - 1,
      (10 * ((191 + 188 + 191) / 3)).toFixed(8),
      10,
      '5.00000000',
      ((10 * ((191 + 188 + 191) / 3)) / 2).toFixed(8),
      '0',
    ]);
    expect(body.map((r: any[]) => Number(r[4]))).toEqual(FALL_THEN_RISE);
    for (const [i, row] of body.entries()) {
      expect(row[0] % MIN).toBe(0);
      expect(row[6]).toBe(row[0] + MIN - 1);
      if (i) expect(row[0]).toBe(body[i - 1][0] + MIN);
    }
  });

  it('honours limit (default 500, at most 1000), startTime and endTime', async () => {
    const first = OPEN0 - 29 * MIN;
    const limited = await get('/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=3');
    expect(limited.body.map((r: any[]) => r[0])).toEqual([OPEN0 - 2 * MIN, OPEN0 - MIN, OPEN0]);

    const from = await get(`/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${first + 1}&limit=2`);
    expect(from.body.map((r: any[]) => r[0])).toEqual([first + MIN, first + 2 * MIN]);

    const until = await get(`/api/v3/klines?symbol=BTCUSDT&interval=1m&endTime=${first + MIN}&limit=10`);
    expect(until.body.map((r: any[]) => r[0])).toEqual([first, first + MIN]);

    // The random walk behind ETHUSDT has unbounded history: limit alone bounds the answer.
    expect((await get('/api/v3/klines?symbol=ETHUSDT&interval=1m')).body).toHaveLength(500);
    expect((await get('/api/v3/klines?symbol=ETHUSDT&interval=1m&limit=1500')).body).toHaveLength(1000);
  });

  it('builds coarser candles from a finer scripted series, and walks for unscripted symbols', async () => {
    const { body } = await get('/api/v3/klines?symbol=BTCUSDT&interval=5m&limit=2');
    // 12:00:30 → the 5m candle opening at 12:00 holds only the forming 1m candle.
    expect(body.map((r: any[]) => [r[0], r[1], r[4], r[5]])).toEqual([
      [OPEN0 - 5 * MIN, '173.00000000', '188.00000000', '50.00000000'],
      [OPEN0, '188.00000000', '191.00000000', '10.00000000'],
    ]);
    const eth = await get('/api/v3/klines?symbol=ETHUSDT&interval=1h&limit=2');
    expect(eth.body.at(-1)[0]).toBe(Date.UTC(2025, 0, 1, 12));
    expect(Number(eth.body.at(-1)[4])).toBeGreaterThan(0);
    // Same clock, same answer.
    expect((await get('/api/v3/klines?symbol=ETHUSDT&interval=1h&limit=2')).body).toEqual(eth.body);
  });

  it('moves with the clock: flat continuation, appended candles, new series', async () => {
    clock = T0 + MIN;
    let rows = (await get('/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2')).body;
    expect(rows.map((r: any[]) => [r[0], r[4]])).toEqual([
      [OPEN0, '191.00000000'],
      [OPEN0 + MIN, '191.00000000'],
    ]);

    expect(emu.appendCandle('BTCUSDT', '1m', { close: 150, volume: 42 })).toBe(OPEN0 + MIN);
    rows = (await get('/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1')).body;
    expect(rows[0].slice(0, 6)).toEqual([
      OPEN0 + MIN,
      '191.00000000',
      '191.00000000',
      '150.00000000',
      '150.00000000',
      '42.00000000',
    ]);

    emu.setSeries({ symbol: 'SOLUSDT', interval: '15m', closes: [10, 11] });
    rows = (await get('/api/v3/klines?symbol=SOLUSDT&interval=15m')).body;
    expect(rows.map((r: any[]) => [r[0], r[4]])).toEqual([
      [Date.UTC(2025, 0, 1, 11, 45), '10.00000000'],
      [Date.UTC(2025, 0, 1, 12), '11.00000000'],
    ]);
    expect((await get('/api/v3/exchangeInfo?symbol=SOLUSDT')).status).toBe(200);
    expect(emu.klines('SOLUSDT', '15m').map((k) => k.close)).toEqual([10, 11]);
  });

  it('serves an order book around the last close', async () => {
    const { status, body } = await get('/api/v3/depth?symbol=BTCUSDT&limit=5');
    expect(status).toBe(200);
    expect(body.lastUpdateId).toBe(T0);
    expect(body.bids.map((l: string[]) => l[0])).toEqual([
      '191.00000000',
      '190.99000000',
      '190.98000000',
      '190.97000000',
      '190.96000000',
    ]);
    expect(body.asks.map((l: string[]) => l[0])).toEqual([
      '191.01000000',
      '191.02000000',
      '191.03000000',
      '191.04000000',
      '191.05000000',
    ]);
    for (const [, qty] of [...body.bids, ...body.asks]) expect(Number(qty)).toBeGreaterThan(0);
    expect((await get('/api/v3/depth?symbol=BTCUSDT')).body.bids).toHaveLength(100);
    expect((await get('/api/v3/depth?symbol=BTCUSDT&limit=6000')).body.asks).toHaveLength(5000);
  });

  it('computes the 24 h ticker from the series, one symbol or all', async () => {
    const { status, body } = await get('/api/v3/ticker/24hr?symbol=BTCUSDT');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual([
      'symbol',
      'priceChange',
      'priceChangePercent',
      'weightedAvgPrice',
      'prevClosePrice',
      'lastPrice',
      'lastQty',
      'bidPrice',
      'bidQty',
      'askPrice',
      'askQty',
      'openPrice',
      'highPrice',
      'lowPrice',
      'volume',
      'quoteVolume',
      'openTime',
      'closeTime',
      'firstId',
      'lastId',
      'count',
    ]);
    expect(body).toMatchObject({
      symbol: 'BTCUSDT',
      openPrice: '200.00000000',
      lastPrice: '191.00000000',
      prevClosePrice: '200.00000000',
      highPrice: '200.00000000',
      lowPrice: '162.00000000',
      priceChange: '-9.00000000',
      priceChangePercent: '-4.500',
      volume: '300.00000000',
      bidPrice: '191.00000000',
      askPrice: '191.01000000',
      openTime: T0 - 86_400_000,
      closeTime: T0,
      count: 300,
    });
    expect(body.lastId - body.firstId + 1).toBe(300);

    const all = await get('/api/v3/ticker/24hr');
    expect(all.body.map((t: any) => t.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const mini = await get(`/api/v3/ticker/24hr?type=MINI&symbols=${encodeURIComponent('["ETHUSDT"]')}`);
    expect(mini.body).toHaveLength(1);
    expect(mini.body[0]).not.toHaveProperty('bidPrice');
    expect(mini.body[0]).toHaveProperty('lastPrice');
  });
});

describe('Binance emulator: errors', () => {
  it('answers bad parameters the way Binance does', async () => {
    const cases: [string, number, number][] = [
      ['/api/v3/klines?symbol=DOGEUSDT&interval=1m', 400, -1121],
      ['/api/v3/klines?symbol=BTCUSDT&interval=2m', 400, -1120],
      ['/api/v3/klines?symbol=BTCUSDT', 400, -1102],
      ['/api/v3/klines?interval=1m', 400, -1102],
      ['/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=abc', 400, -1100],
      ['/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=0', 400, -1130],
      ['/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=10&endTime=5', 400, -1023],
      ['/api/v3/depth?symbol=NOPE', 400, -1121],
      ['/api/v3/ticker/24hr?symbol=NOPE', 400, -1121],
      ['/api/v3/ticker/24hr?symbols=nope', 400, -1100],
      ['/api/v3/order', 404, -1000],
      ['/sapi/v1/capital/config/getall', 404, -1000],
    ];
    for (const [path, status, code] of cases) {
      const res = await get(path);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status, code });
      expect(typeof res.body.msg).toBe('string');
    }
    const post = await fetch(`${emu.url}/api/v3/klines`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('records every request, so a test can prove nothing unexpected was called', async () => {
    await get('/api/v3/time?x=1');
    await get('/api/v1/whatever');
    expect(emu.requests).toEqual([
      { method: 'GET', path: '/api/v3/time', query: { x: '1' }, time: T0, userAgent: 'node', status: 200 },
      { method: 'GET', path: '/api/v1/whatever', query: {}, time: T0, userAgent: 'node', status: 404 },
    ]);
    expect(emu.requests.filter((r) => !SERVED_PATHS.includes(r.path)).map((r) => r.path)).toEqual([
      '/api/v1/whatever',
    ]);
  });

  it('fails the next matching requests on demand, then recovers', async () => {
    emu.failNext('/api/v3/klines', {
      status: 429,
      body: { code: -1003, msg: 'Too many requests.' },
      count: 2,
    });
    emu.failNext('/api/v3/time', { status: 503, body: 'Service Unavailable' });
    const klines = '/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1';
    expect(await get(klines)).toEqual({ status: 429, body: { code: -1003, msg: 'Too many requests.' } });
    expect((await get('/api/v3/ping')).status).toBe(200);
    expect((await get(klines)).status).toBe(429);
    expect((await get(klines)).status).toBe(200);
    const time = await fetch(`${emu.url}/api/v3/time`);
    expect([time.status, await time.text()]).toEqual([503, 'Service Unavailable']);
    expect((await get('/api/v3/time')).status).toBe(200);
    expect(emu.requests.map((r) => r.status)).toEqual([429, 200, 429, 200, 503, 200]);
  });

  it('can reset the connection or answer late', async () => {
    emu.failNext('/api/v3/ping', { reset: true });
    await expect(fetch(`${emu.url}/api/v3/ping`)).rejects.toThrow();
    emu.failNext('/api/v3/ping', { delayMs: 300, status: 500 });
    const started = Date.now();
    expect((await get('/api/v3/ping')).status).toBe(500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(emu.requests.map((r) => r.status)).toEqual([-1, 500]);
  });

  it('goes down for real (connections refused) and comes back on the same port', async () => {
    const port = emu.port;
    const refused = () =>
      new Promise<string>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
    expect((await get('/api/v3/ping')).status).toBe(200);
    await emu.setDown(true);
    expect(emu.isDown).toBe(true);
    expect(await refused()).toBe('ECONNREFUSED');
    await expect(fetch(`${emu.url}/api/v3/ping`)).rejects.toThrow();
    await emu.setDown(false);
    expect(emu.port).toBe(port);
    expect((await get('/api/v3/ping')).status).toBe(200);
  });
});
