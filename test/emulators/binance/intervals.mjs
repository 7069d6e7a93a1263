// @ts-check
// Binance kline intervals and where their candles start. Every interval is aligned to the Unix epoch
// (open % length == 0) except the two Binance aligns to the calendar: `1w` opens on Monday 00:00 UTC
// and `1M` on the first of the month. ccxt (and so freqtrade) rounds `1w` to Thursdays and treats `1M`
// as 30 days; the emulator answers like Binance, which is why those two are poor monitor timeframes.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1970-01-05, the first Monday after the epoch. */
const MONDAY = 4 * DAY;

/** @type {Readonly<Record<string, number>>} nominal length in ms (`1M` is never stepped by it) */
const LENGTH = {
  '1s': SECOND,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': WEEK,
  '1M': 30 * DAY,
};

/** Every interval Binance spot accepts, shortest first. */
export const INTERVALS = Object.freeze(Object.keys(LENGTH));

/**
 * @param {string} value
 * @returns {boolean}
 */
export function isInterval(value) {
  return Object.hasOwn(LENGTH, value);
}

/**
 * Nominal length in ms (30 days for `1M`).
 * @param {string} interval
 */
export function intervalMs(interval) {
  const ms = LENGTH[interval];
  if (ms === undefined) throw new RangeError(`unknown Binance interval ${JSON.stringify(interval)}`);
  return ms;
}

/**
 * Open time of the candle that contains `time`.
 * @param {string} interval
 * @param {number} time epoch ms
 */
export function openAt(interval, time) {
  if (interval === '1M') {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const ms = intervalMs(interval);
  const offset = interval === '1w' ? MONDAY : 0;
  return Math.floor((time - offset) / ms) * ms + offset;
}

/**
 * Open time of the candle `count` candles after the one opening at `open` (before it when negative).
 * @param {string} interval
 * @param {number} open an aligned open time
 * @param {number} count
 */
export function shiftOpen(interval, open, count) {
  if (interval === '1M') {
    const d = new Date(open);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + count, 1);
  }
  return open + count * intervalMs(interval);
}

/**
 * How many candles lie from the one opening at `from` to the one opening at `to` (negative when `to`
 * is earlier); both are aligned open times.
 * @param {string} interval
 * @param {number} from
 * @param {number} to
 */
export function candlesBetween(interval, from, to) {
  if (interval === '1M') {
    const a = new Date(from);
    const b = new Date(to);
    return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  }
  return Math.round((to - from) / intervalMs(interval));
}

/**
 * Binance's close time: the last millisecond before the next candle opens.
 * @param {string} interval
 * @param {number} open
 */
export function closeTimeOf(interval, open) {
  return shiftOpen(interval, open, 1) - 1;
}

/**
 * Whether candles of `fine` tile candles of `coarse` exactly, so `coarse` can be built from `fine`.
 * Calendar-aligned intervals (`1w`, `1M`) start on day boundaries: anything that divides a day tiles
 * them. Neither of them tiles anything but itself.
 * @param {string} fine
 * @param {string} coarse
 */
export function tiles(fine, coarse) {
  if (fine === coarse) return true;
  if (fine === '1w' || fine === '1M') return false;
  const f = intervalMs(fine);
  if (coarse === '1w' || coarse === '1M') return DAY % f === 0;
  const c = intervalMs(coarse);
  return c > f && c % f === 0;
}
