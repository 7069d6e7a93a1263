// ccxt's own binance client (the project's dependency, same parser code as the Python ccxt inside
// freqtrade) against the emulator: if ccxt parses every answer into the values the series implies,
// the emulator speaks Binance well enough for the bots and for our market-data client.
import { SERVED_PATHS, startBinanceEmulator, type BinanceEmulator } from './server.mjs';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 1, 12, 0, 30);
const OPEN0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const CLOSES = [
  ...Array.from({ length: 20 }, (_, i) => 200 - i * 2),
  ...Array.from({ length: 10 }, (_, i) => 164 + i * 3),
];

let ccxt: any;
let emu: BinanceEmulator;
let exchanges: any[] = [];

/** Every REST base URL ccxt's binance knows, moved to `origin` with its path kept (…/api/v3 etc.). */
function redirectedApiUrls(defaults: Record<string, unknown>, origin: string): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (typeof value !== 'string' || !/^https?:\/\//.test(value)) continue;
    urls[key] = origin + new URL(value).pathname.replace(/\/$/, '');
  }
  return urls;
}

function binance(options: Record<string, unknown> = {}) {
  const defaults = new ccxt.binance().urls.api;
  const exchange = new ccxt.binance({
    enableRateLimit: false,
    urls: { api: redirectedApiUrls(defaults, emu.url) },
    options,
  });
  exchanges.push(exchange);
  return exchange;
}

const unserved = () =>
  emu.requests.filter((r) => !SERVED_PATHS.includes(r.path)).map((r) => `${r.method} ${r.path}`);

beforeAll(async () => {
  // ccxt is large: imported once, like src/infra/exchange does.
  const m: any = await import('ccxt');
  ccxt = m.default ?? m;
});

beforeEach(async () => {
  exchanges = [];
  emu = await startBinanceEmulator({
    now: () => T0,
    markets: ['BTCUSDT', 'ETHUSDT'],
    series: [{ symbol: 'BTCUSDT', interval: '1m', closes: CLOSES }],
  });
});

afterEach(async () => {
  for (const e of exchanges) await e.close?.();
  await emu.close();
});

describe('ccxt binance against the emulator', () => {
  it('redirects every REST URL of ccxt binance, so nothing reaches the real host', () => {
    const defaults = new ccxt.binance().urls.api;
    const urls = redirectedApiUrls(defaults, emu.url);
    expect(Object.keys(urls).length).toBeGreaterThanOrEqual(20);
    expect(urls.public).toBe(`${emu.url}/api/v3`);
    expect(urls.fapiPublic).toBe(`${emu.url}/fapi/v1`);
    const restLeft = Object.entries(binance().urls.api).filter(
      ([, v]) => typeof v === 'string' && !v.startsWith(emu.url),
    );
    expect(restLeft).toEqual([]);
  });

  it('loads spot markets, OHLCV, ticker, order book and time with fetchMarkets narrowed to spot', async () => {
    const ex = binance({ fetchMarkets: { types: ['spot'] } });
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(markets['BTC/USDT']).toMatchObject({
      id: 'BTCUSDT',
      base: 'BTC',
      quote: 'USDT',
      type: 'spot',
      spot: true,
      active: true,
      precision: { price: 0.01, amount: 0.00001 },
      limits: { amount: { min: 0.00001, max: 9000 }, price: { min: 0.01, max: 1_000_000 }, cost: { min: 5 } },
    });

    const ohlcv = await ex.fetchOHLCV('BTC/USDT', '1m');
    expect(ohlcv).toHaveLength(30);
    expect(ohlcv.map((c: number[]) => c[4])).toEqual(CLOSES);
    expect(ohlcv.at(-1)).toEqual([OPEN0, 188, 191, 188, 191, 10]);
    const since = OPEN0 - 10 * MIN;
    const page = await ex.fetchOHLCV('BTC/USDT', '1m', since, 3);
    expect(page.map((c: number[]) => c[0])).toEqual([since, since + MIN, since + 2 * MIN]);
    const hourly = await ex.fetchOHLCV('ETH/USDT', '1h', undefined, 5);
    expect(hourly).toHaveLength(5);
    expect(hourly.at(-1)[0]).toBe(Date.UTC(2025, 0, 1, 12));

    const ticker = await ex.fetchTicker('BTC/USDT');
    expect(ticker).toMatchObject({
      symbol: 'BTC/USDT',
      timestamp: T0,
      last: 191,
      open: 200,
      high: 200,
      low: 162,
      bid: 191,
      ask: 191.01,
      change: -9,
      percentage: -4.5,
      baseVolume: 300,
    });
    const tickers = await ex.fetchTickers();
    expect(Object.keys(tickers).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);

    const book = await ex.fetchOrderBook('BTC/USDT', 5);
    expect(book.nonce).toBe(T0);
    expect(book.bids).toHaveLength(5);
    expect(book.bids[0][0]).toBe(191);
    expect(book.asks[0][0]).toBe(191.01);
    expect(book.bids[1][0]).toBeLessThan(book.bids[0][0]);

    expect(await ex.fetchTime()).toBe(T0);

    expect(unserved()).toEqual([]);
    expect(emu.requests.filter((r) => r.path.endsWith('/exchangeInfo')).map((r) => r.path)).toEqual([
      '/api/v3/exchangeInfo',
    ]);
    expect(emu.requests.find((r) => r.path === '/api/v3/klines')!.query).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      limit: '500',
    });
  });

  it('loads markets with fetchMarkets not narrowed: all three exchangeInfo URLs are served', async () => {
    const ex = binance();
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(emu.requests.map((r) => r.path).sort()).toEqual([
      '/api/v3/exchangeInfo',
      '/dapi/v1/exchangeInfo',
      '/fapi/v1/exchangeInfo',
    ]);
    expect((await ex.fetchOHLCV('ETH/USDT', '5m', undefined, 2)).length).toBe(2);
    expect(unserved()).toEqual([]);
  });

  it('turns emulated outages into ccxt network errors', async () => {
    const ex = binance({ fetchMarkets: { types: ['spot'] } });
    await ex.loadMarkets();
    emu.failNext('/api/v3/klines', { status: 503, body: 'Service Unavailable' });
    await expect(ex.fetchOHLCV('BTC/USDT', '1m')).rejects.toBeInstanceOf(ccxt.NetworkError);
    await emu.setDown(true);
    await expect(ex.fetchOHLCV('BTC/USDT', '1m')).rejects.toBeInstanceOf(ccxt.NetworkError);
    await emu.setDown(false);
    expect(await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 1)).toEqual([[OPEN0, 188, 191, 188, 191, 10]]);
  });
});
