// @ts-check
// Scripted candle series anchored to the wall clock, and the klines selection Binance applies to them.
// A series answers "which candle opens at time t"; what exists at all is decided by the clock: the
// candle containing `now` is the forming one and is always the last one served.
import { candlesBetween, closeTimeOf, isInterval, openAt, shiftOpen, tiles } from './intervals.mjs';

/**
 * A candle's values. `volume` is in the base asset.
 * @typedef {object} Candle
 * @property {number} open
 * @property {number} high
 * @property {number} low
 * @property {number} close
 * @property {number} volume
 * @property {number} [trades] number of trades (derived from the volume when absent)
 */

/**
 * What a script gives per candle: only `close` is required. `open` defaults to the previous candle's
 * close (or the close itself for the first one), `high`/`low` to the larger/smaller of open and close,
 * `volume` to the series' default volume.
 * @typedef {{ open?: number, high?: number, low?: number, close: number, volume?: number, trades?: number }} CandleInput
 */

/** @typedef {Candle & { openTime: number, closeTime: number }} Kline */

/**
 * Computes the candle opening at `openTime`. `index` counts candles from the one forming at the
 * series' anchor (0), negative before it, positive after it. It should be a pure function of its
 * arguments: the same candle may be asked for many times.
 * @typedef {(openTime: number, index: number) => CandleInput} CandleGenerator
 */

/**
 * @typedef {object} SeriesScript
 * @property {string} symbol Binance id, e.g. "BTCUSDT"
 * @property {string} interval e.g. "1m"
 * @property {number[]} [closes] closes, oldest first; shorthand for `candles: closes.map(close => ({ close }))`
 * @property {CandleInput[]} [candles] candles, oldest first
 * @property {CandleGenerator} [generate] instead of a list: computes any candle on demand
 * @property {number} [formingIndex] list index of the candle forming at `anchor` (default: the last one).
 *   Candles after it are in the future and appear as the clock reaches them.
 * @property {number} [anchor] a time (epoch ms) inside the candle at `formingIndex` / index 0 (default: now)
 * @property {number} [volume] volume of candles that give none, and of the flat candles that continue a
 *   list past its end (default 10)
 * @property {number} [start] generator only: no candle opens before this time (default: unbounded)
 */

/**
 * Anything klines can be selected from.
 * @typedef {object} CandleSource
 * @property {string} interval
 * @property {() => number | undefined} firstOpen open time of the oldest candle, undefined when unbounded
 * @property {(open: number, nowMs: number) => Candle | undefined} candleAt
 */

export const DEFAULT_VOLUME = 10;

/**
 * @param {number | CandleInput} input
 * @param {number | undefined} previousClose
 * @param {number} defaultVolume
 * @returns {Candle}
 */
export function completeCandle(input, previousClose, defaultVolume) {
  const given = typeof input === 'number' ? { close: input } : input;
  const close = given.close;
  const open = given.open ?? previousClose ?? close;
  const candle = {
    open,
    high: given.high ?? Math.max(open, close),
    low: given.low ?? Math.min(open, close),
    close,
    volume: given.volume ?? defaultVolume,
    ...(given.trades === undefined ? {} : { trades: given.trades }),
  };
  const values = [candle.open, candle.high, candle.low, candle.close, candle.volume];
  if (!values.every(Number.isFinite) || candle.volume < 0 || candle.low <= 0) {
    throw new RangeError(`candle needs finite positive prices and a volume >= 0: ${JSON.stringify(given)}`);
  }
  if (candle.high < Math.max(open, close) || candle.low > Math.min(open, close)) {
    throw new RangeError(`candle high/low do not contain its open and close: ${JSON.stringify(given)}`);
  }
  return candle;
}

/**
 * Trades in a candle: the scripted count, else one per unit of volume (at least one when anything traded).
 * @param {Candle} candle
 */
export function tradesOf(candle) {
  return candle.trades ?? (candle.volume > 0 ? Math.max(1, Math.round(candle.volume)) : 0);
}

/** @param {SeriesScript} script */
function checkScript(script) {
  if (!script || typeof script.symbol !== 'string' || !script.symbol)
    throw new TypeError('series needs a symbol');
  if (!isInterval(script.interval)) throw new RangeError(`series has an unknown interval ${script.interval}`);
  const kinds = [script.closes, script.candles, script.generate].filter((v) => v !== undefined).length;
  if (kinds !== 1) throw new TypeError('series needs exactly one of closes, candles or generate');
}

/** A list of candles; after its last one the price stays flat until candles are appended. */
export class ScriptedSeries {
  /**
   * @param {SeriesScript} script
   * @param {number} nowMs
   */
  constructor(script, nowMs) {
    checkScript(script);
    const inputs = /** @type {(number | CandleInput)[]} */ (script.candles ?? script.closes);
    if (!inputs.length) throw new RangeError('series needs at least one candle');
    const formingIndex = script.formingIndex ?? inputs.length - 1;
    if (!Number.isInteger(formingIndex) || formingIndex < 0 || formingIndex >= inputs.length) {
      throw new RangeError(`formingIndex must index the list (0..${inputs.length - 1})`);
    }
    this.symbol = script.symbol;
    this.interval = script.interval;
    this.volume = script.volume ?? DEFAULT_VOLUME;
    /** @type {Candle[]} */
    this.candles = [];
    for (const input of inputs)
      this.candles.push(completeCandle(input, this.candles.at(-1)?.close, this.volume));
    const anchorOpen = openAt(this.interval, script.anchor ?? nowMs);
    this.first = shiftOpen(this.interval, anchorOpen, -formingIndex);
  }

  firstOpen() {
    return this.first;
  }

  /** @param {number} open */
  candleAt(open) {
    const index = candlesBetween(this.interval, this.first, open);
    if (index < 0) return undefined;
    return this.candles[index] ?? this.#flat();
  }

  #flat() {
    const close = /** @type {Candle} */ (this.candles.at(-1)).close;
    return { open: close, high: close, low: close, close, volume: this.volume };
  }

  /**
   * Adds a candle after the last scripted one. If the clock has already passed that slot, the flat
   * candles served meanwhile become part of the list and the new candle takes the forming slot.
   * @param {number | CandleInput} input
   * @param {number} nowMs
   * @returns {number} the new candle's open time
   */
  append(input, nowMs) {
    const formingOpen = openAt(this.interval, nowMs);
    let slot = shiftOpen(this.interval, this.first, this.candles.length);
    while (slot < formingOpen) {
      this.candles.push(this.#flat());
      slot = shiftOpen(this.interval, slot, 1);
    }
    this.candles.push(completeCandle(input, this.#flat().close, this.volume));
    return slot;
  }
}

/** Candles computed on demand by a generator. */
export class GeneratedSeries {
  /**
   * @param {SeriesScript} script
   * @param {number} nowMs
   */
  constructor(script, nowMs) {
    checkScript(script);
    this.symbol = script.symbol;
    this.interval = script.interval;
    this.volume = script.volume ?? DEFAULT_VOLUME;
    this.generate = /** @type {CandleGenerator} */ (script.generate);
    this.anchor = openAt(this.interval, script.anchor ?? nowMs);
    /** @type {number | undefined} */
    this.start = undefined;
    if (script.start !== undefined) {
      const open = openAt(this.interval, script.start);
      this.start = open < script.start ? shiftOpen(this.interval, open, 1) : open;
    }
  }

  firstOpen() {
    return this.start;
  }

  /** @param {number} open */
  candleAt(open) {
    if (this.start !== undefined && open < this.start) return undefined;
    const index = candlesBetween(this.interval, this.anchor, open);
    const input = this.generate(open, index);
    const previousClose =
      input.open === undefined && (this.start === undefined || open > this.start)
        ? this.generate(shiftOpen(this.interval, open, -1), index - 1).close
        : undefined;
    return completeCandle(input, previousClose, this.volume);
  }

  /**
   * @param {number | CandleInput} _input
   * @param {number} _nowMs
   * @returns {number}
   */
  append(_input, _nowMs) {
    throw new TypeError(
      `series ${this.symbol} ${this.interval} is generated: only scripted lists take appended candles`,
    );
  }
}

/**
 * A series seen at a coarser interval: each candle merges the finer candles it contains, up to the
 * forming one.
 * @implements {CandleSource}
 */
export class AggregatedSource {
  /**
   * @param {CandleSource} base
   * @param {string} interval a coarser interval that `base.interval` tiles
   */
  constructor(base, interval) {
    if (!tiles(base.interval, interval))
      throw new RangeError(`${base.interval} candles do not tile ${interval}`);
    this.base = base;
    this.interval = interval;
  }

  firstOpen() {
    const first = this.base.firstOpen();
    return first === undefined ? undefined : openAt(this.interval, first);
  }

  /**
   * @param {number} open
   * @param {number} nowMs
   * @returns {Candle | undefined}
   */
  candleAt(open, nowMs) {
    const fine = this.base.interval;
    const last = openAt(fine, Math.min(shiftOpen(this.interval, open, 1) - 1, nowMs));
    const first = Math.max(open, this.base.firstOpen() ?? open);
    /** @type {Candle | undefined} */
    let merged;
    for (let t = first; t <= last; t = shiftOpen(fine, t, 1)) {
      const c = this.base.candleAt(t, nowMs);
      if (!c) continue;
      merged = merged
        ? {
            open: merged.open,
            high: Math.max(merged.high, c.high),
            low: Math.min(merged.low, c.low),
            close: c.close,
            volume: merged.volume + c.volume,
            trades: tradesOf(merged) + tradesOf(c),
          }
        : { ...c, trades: tradesOf(c) };
    }
    return merged;
  }
}

/**
 * Binance's klines selection: ascending open times, at most `limit` candles, never past the forming
 * candle. With `startTime` the first candles opening at or after it; otherwise the latest ones up to
 * `endTime` (or up to the forming candle).
 * @param {CandleSource} source
 * @param {number} nowMs
 * @param {{ startTime?: number, endTime?: number, limit: number }} query
 * @returns {Kline[]}
 */
export function selectKlines(source, nowMs, { startTime, endTime, limit }) {
  const interval = source.interval;
  let last = openAt(interval, nowMs);
  if (endTime !== undefined) last = Math.min(last, openAt(interval, endTime));
  const oldest = source.firstOpen();
  let from;
  if (startTime !== undefined) {
    from = openAt(interval, startTime);
    if (from < startTime) from = shiftOpen(interval, from, 1);
  } else {
    from = shiftOpen(interval, last, -(limit - 1));
  }
  if (oldest !== undefined && from < oldest) from = oldest;
  /** @type {Kline[]} */
  const klines = [];
  for (let t = from; t <= last && klines.length < limit; t = shiftOpen(interval, t, 1)) {
    const candle = source.candleAt(t, nowMs);
    if (candle) klines.push({ ...candle, openTime: t, closeTime: closeTimeOf(interval, t) });
  }
  return klines;
}
