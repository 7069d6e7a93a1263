// @ts-check
// A seeded price path for symbols nobody scripted (and for the CLI/demo): a pure function of time, so
// any candle of any interval can be computed on demand and candles of different intervals agree
// (a 1h candle opens and closes where its first and last 1m candles do). The path swings with a main
// cycle of `periodMs` (±1.5 %), so momentum indicators such as RSI reach their extremes about once per
// cycle — "occasional signals" — plus a slow drift and seeded noise.
import { closeTimeOf, intervalMs } from './intervals.mjs';

/**
 * A 32-bit integer hash of (seed, k) mapped to [-1, 1).
 * @param {number} seed
 * @param {number} k
 */
function noise(seed, k) {
  let h = (seed ^ Math.imul(k >>> 0, 0x9e3779b1) ^ Math.imul(Math.floor(k / 2 ** 32), 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return (h / 2 ** 32) * 2 - 1;
}

/**
 * A stable numeric seed from a string (FNV-1a).
 * @param {string} text
 */
export function seedOf(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * @typedef {object} WalkOptions
 * @property {number} seed
 * @property {number} basePrice the level the path oscillates around
 * @property {number} [periodMs] the main cycle (default 40 minutes: a swing every ~20 one-minute candles)
 */

/**
 * Price at any time t (epoch ms).
 * @param {WalkOptions} options
 * @returns {(t: number) => number}
 */
export function randomWalkPath({ seed, basePrice, periodMs = 40 * 60_000 }) {
  const phase = (/** @type {number} */ n) => (noise(seed, n) + 1) * Math.PI;
  const [p1, p2, p3] = [phase(1), phase(2), phase(3)];
  const knot = periodMs / 40;
  const twoPi = 2 * Math.PI;
  return (t) => {
    const k = Math.floor(t / knot);
    const frac = t / knot - k;
    const jitter = noise(seed, k) * (1 - frac) + noise(seed, k + 1) * frac;
    const x =
      0.015 * Math.sin((twoPi * t) / periodMs + p1) +
      0.006 * Math.sin((twoPi * t) / (periodMs * 0.37) + p2) +
      0.03 * Math.sin((twoPi * t) / (periodMs * 11.3) + p3) +
      0.0015 * jitter;
    return basePrice * Math.exp(x);
  };
}

/**
 * @param {number} value
 * @param {number} step
 */
function roundTo(value, step) {
  return Math.max(step, Math.round(value / step) * step);
}

/**
 * Candles of one interval cut from a random-walk path: open and close are the path's values at the
 * candle's boundaries, high and low the extremes of 12 samples, volume grows with the move.
 * @param {WalkOptions & { interval: string, tickSize: number }} options
 * @returns {import('./candles.mjs').CandleGenerator}
 */
export function randomWalkGenerator(options) {
  const path = randomWalkPath(options);
  const { interval, tickSize, basePrice, seed } = options;
  const samples = 12;
  // ~50 000 quote units per minute, in the base asset.
  const unitVolume = (50_000 / basePrice) * (intervalMs(interval) / 60_000);
  return (openTime) => {
    const end = closeTimeOf(interval, openTime) + 1;
    let high = -Infinity;
    let low = Infinity;
    for (let i = 0; i <= samples; i++) {
      const p = path(openTime + ((end - openTime) * i) / samples);
      high = Math.max(high, p);
      low = Math.min(low, p);
    }
    const open = roundTo(path(openTime), tickSize);
    const close = roundTo(path(end), tickSize);
    const move = Math.abs(Math.log(close / open));
    const volume =
      unitVolume * (1 + 40 * move) * (0.7 + 0.3 * Math.abs(noise(seed ^ 0x5bd1e995, openTime / 1000)));
    return {
      open,
      close,
      high: Math.max(roundTo(high, tickSize), open, close),
      low: Math.min(roundTo(low, tickSize), open, close),
      volume: Math.round(volume * 1e5) / 1e5,
    };
  };
}
