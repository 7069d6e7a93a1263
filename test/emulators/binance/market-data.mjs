// @ts-check
// The emulator's state without HTTP: the listed markets, the scripted series per symbol and interval,
// and the Binance bodies computed from them (kline rows, 24 h ticker, order book).
import { AggregatedSource, GeneratedSeries, ScriptedSeries, selectKlines, tradesOf } from './candles.mjs';
import { INTERVALS, shiftOpen, tiles } from './intervals.mjs';
import { dec, exchangeInfo, normaliseMarket } from './markets.mjs';
import { randomWalkGenerator, seedOf } from './random-walk.mjs';

/** @typedef {import('./candles.mjs').SeriesScript} SeriesScript */
/** @typedef {import('./candles.mjs').CandleInput} CandleInput */
/** @typedef {import('./candles.mjs').CandleSource} CandleSource */
/** @typedef {import('./candles.mjs').Kline} Kline */
/** @typedef {import('./markets.mjs').Market} Market */
/** @typedef {import('./markets.mjs').MarketConfig} MarketConfig */

/**
 * @typedef {object} MarketDataOptions
 * @property {(string | MarketConfig)[]} [markets] listed spot markets (default: the symbols of `series`, or
 *   BTCUSDT and ETHUSDT when both are empty)
 * @property {SeriesScript[]} [series] scripted series; a symbol without one gets a seeded random walk
 * @property {() => number} [now] the clock (default Date.now)
 * @property {number} [walkPeriodMs] main cycle of the random walks (default 40 minutes)
 * @property {number} [seed] mixed into every random walk's seed (default 0)
 */

const DAY = 86_400_000;

/**
 * @param {string} symbol
 * @param {string} interval
 */
const key = (symbol, interval) => `${symbol} ${interval}`;

export class MarketData {
  /** @type {Map<string, Market>} */
  markets = new Map();
  /** @type {Map<string, ScriptedSeries | GeneratedSeries>} */
  #series = new Map();
  /** @type {Map<string, GeneratedSeries>} */
  #walks = new Map();
  #walkPeriodMs;
  #seed;
  now;

  /** @param {MarketDataOptions} [options] */
  constructor({ markets = [], series = [], now = Date.now, walkPeriodMs, seed = 0 } = {}) {
    this.now = now;
    this.#walkPeriodMs = walkPeriodMs;
    this.#seed = seed;
    const listed = markets.length || series.length ? markets : ['BTCUSDT', 'ETHUSDT'];
    for (const m of listed) this.addMarket(m);
    this.setSeries(series);
  }

  /** @param {string | MarketConfig} config */
  addMarket(config) {
    const market = normaliseMarket(config);
    this.markets.set(market.id, market);
    for (const k of [...this.#walks.keys()]) if (k.startsWith(`${market.id} `)) this.#walks.delete(k);
    return market;
  }

  /**
   * Replaces the series of each script's symbol and interval; lists unknown symbols as markets.
   * @param {SeriesScript | SeriesScript[]} scripts
   */
  setSeries(scripts) {
    for (const script of Array.isArray(scripts) ? scripts : [scripts]) {
      if (!this.markets.has(script.symbol)) this.addMarket(script.symbol);
      const series = script.generate
        ? new GeneratedSeries(script, this.now())
        : new ScriptedSeries(script, this.now());
      this.#series.set(key(script.symbol, script.interval), series);
    }
  }

  /**
   * @param {string} symbol
   * @param {string} interval
   * @param {number | CandleInput} candle
   * @returns {number} the appended candle's open time
   */
  appendCandle(symbol, interval, candle) {
    const series = this.#series.get(key(symbol, interval));
    if (!series) throw new RangeError(`no scripted series for ${symbol} ${interval}`);
    return series.append(candle, this.now());
  }

  /**
   * Where candles of `symbol` at `interval` come from: its own series, else the coarsest scripted
   * series of the symbol that tiles it (merged), else the symbol's random walk.
   * @param {string} symbol
   * @param {string} interval
   * @returns {CandleSource}
   */
  source(symbol, interval) {
    const own = this.#series.get(key(symbol, interval));
    if (own) return own;
    for (const fine of [...INTERVALS].reverse()) {
      const series = this.#series.get(key(symbol, fine));
      if (series && tiles(fine, interval)) return new AggregatedSource(series, interval);
    }
    let walk = this.#walks.get(key(symbol, interval));
    if (!walk) {
      const market = /** @type {Market} */ (this.markets.get(symbol));
      const generate = randomWalkGenerator({
        interval,
        tickSize: market.tickSize,
        basePrice: market.price,
        seed: (seedOf(symbol) ^ this.#seed) >>> 0,
        periodMs: this.#walkPeriodMs,
      });
      walk = new GeneratedSeries({ symbol, interval, generate }, this.now());
      this.#walks.set(key(symbol, interval), walk);
    }
    return walk;
  }

  /**
   * The candles /api/v3/klines serves.
   * @param {string} symbol
   * @param {string} interval
   * @param {{ startTime?: number, endTime?: number, limit?: number }} [query]
   * @returns {Kline[]}
   */
  klines(symbol, interval, { startTime, endTime, limit = 500 } = {}) {
    return selectKlines(this.source(symbol, interval), this.now(), { startTime, endTime, limit });
  }

  /**
   * The finest series scripted for the symbol (its random walk at 1m when none), for ticker and book.
   * @param {string} symbol
   */
  #priceSource(symbol) {
    const fine = INTERVALS.find((interval) => this.#series.has(key(symbol, interval)));
    return this.source(symbol, fine ?? '1m');
  }

  /**
   * Close of the forming candle.
   * @param {string} symbol
   */
  lastPrice(symbol) {
    const source = this.#priceSource(symbol);
    return selectKlines(source, this.now(), { limit: 1 }).at(-1)?.close ?? 0;
  }

  /**
   * `/api/v3/depth`: `limit` levels a side, one tick apart, best bid at the last price rounded down.
   * @param {string} symbol
   * @param {number} limit
   */
  depth(symbol, limit) {
    const market = /** @type {Market} */ (this.markets.get(symbol));
    const tick = market.tickSize;
    const bestBid = Math.floor(this.lastPrice(symbol) / tick + 1e-9);
    /** @type {[string, string][]} */
    const bids = [];
    /** @type {[string, string][]} */
    const asks = [];
    for (let k = 0; k < limit; k++) {
      if (bestBid - k > 0) bids.push(this.#level(market, (bestBid - k) * tick, k));
      asks.push(this.#level(market, (bestBid + 1 + k) * tick, k));
    }
    return { lastUpdateId: Math.floor(this.now()), bids, asks };
  }

  /**
   * A price level worth 200–1 700 quote units, varying with its depth.
   * @param {Market} market
   * @param {number} price
   * @param {number} depth
   * @returns {[string, string]}
   */
  #level(market, price, depth) {
    const notional = 200 + 150 * ((depth * 7 + 3) % 11);
    return [dec(price), dec(roundToStep(notional / price, market.stepSize))];
  }

  /**
   * `/api/v3/ticker/24hr` for one symbol: the rolling 24 h window ending now.
   * @param {string} symbol
   * @param {'FULL' | 'MINI'} [type]
   */
  ticker24hr(symbol, type = 'FULL') {
    const now = this.now();
    const source = this.#priceSource(symbol);
    const window = selectKlines(source, now, { startTime: now - DAY, limit: Infinity });
    const first = window[0];
    const last = window.at(-1);
    const before = first && source.candleAt(shiftOpen(source.interval, first.openTime, -1), now);
    let high = 0;
    let low = 0;
    let volume = 0;
    let quoteVolume = 0;
    let count = 0;
    for (const k of window) {
      high = Math.max(high, k.high);
      low = low === 0 ? k.low : Math.min(low, k.low);
      volume += k.volume;
      quoteVolume += quoteVolumeOf(k);
      count += tradesOf(k);
    }
    const openPrice = first?.open ?? 0;
    const lastPrice = last?.close ?? 0;
    const lastId = count ? Math.floor(now / 1000) : -1;
    const firstId = count ? lastId - count + 1 : -1;
    const common = {
      openPrice: dec(openPrice),
      highPrice: dec(high),
      lowPrice: dec(low),
      lastPrice: dec(lastPrice),
      volume: dec(volume),
      quoteVolume: dec(quoteVolume),
      openTime: now - DAY,
      closeTime: now,
      firstId,
      lastId,
      count,
    };
    if (type === 'MINI') return { symbol, ...common };
    const book = this.depth(symbol, 1);
    const market = /** @type {Market} */ (this.markets.get(symbol));
    const lastTrades = last ? tradesOf(last) : 0;
    const lastQty = last && lastTrades ? roundToStep(last.volume / lastTrades, market.stepSize) : 0;
    return {
      symbol,
      priceChange: dec(lastPrice - openPrice),
      priceChangePercent: (openPrice ? ((lastPrice - openPrice) / openPrice) * 100 : 0).toFixed(3),
      weightedAvgPrice: dec(volume ? quoteVolume / volume : lastPrice),
      prevClosePrice: dec(before ? before.close : openPrice),
      lastPrice: common.lastPrice,
      lastQty: dec(lastQty),
      bidPrice: book.bids[0]?.[0] ?? dec(0),
      bidQty: book.bids[0]?.[1] ?? dec(0),
      askPrice: book.asks[0]?.[0] ?? dec(0),
      askQty: book.asks[0]?.[1] ?? dec(0),
      openPrice: common.openPrice,
      highPrice: common.highPrice,
      lowPrice: common.lowPrice,
      volume: common.volume,
      quoteVolume: common.quoteVolume,
      openTime: common.openTime,
      closeTime: common.closeTime,
      firstId,
      lastId,
      count,
    };
  }

  /** @param {string[]} [symbols] all listed markets when absent */
  exchangeInfo(symbols) {
    const listed = symbols
      ? symbols.map((s) => /** @type {Market} */ (this.markets.get(s)))
      : [...this.markets.values()];
    return exchangeInfo(listed, this.now());
  }
}

/**
 * A quantity on the market's step, at least one step.
 * @param {number} qty
 * @param {number} step
 */
function roundToStep(qty, step) {
  return Math.max(step, Math.round(qty / step) * step);
}

/**
 * Quote volume of a candle: its volume at the typical price.
 * @param {import('./candles.mjs').Candle} k
 */
export function quoteVolumeOf(k) {
  return (k.volume * (k.high + k.low + k.close)) / 3;
}

/**
 * Binance's 12-element kline row.
 * @param {Kline} k
 */
export function klineRow(k) {
  const quoteVolume = quoteVolumeOf(k);
  return [
    k.openTime,
    dec(k.open),
    dec(k.high),
    dec(k.low),
    dec(k.close),
    dec(k.volume),
    k.closeTime,
    dec(quoteVolume),
    tradesOf(k),
    dec(k.volume / 2),
    dec(quoteVolume / 2),
    '0',
  ];
}
