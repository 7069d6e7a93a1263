import { describe, expect, it } from '@jest/globals';
import { AppException } from '../../common/errors/app.exception.js';
import type { Ohlcv } from '../../infra/exchange/market-data.js';
import { computeIndicators, parseIndicators, supportedIndicators } from './indicators.js';

// A fixed series: 80 candles whose closes wander (a deterministic sine-plus-trend), with highs,
// lows and volumes that differ per candle, so every indicator sees gains, losses and gaps.
const CANDLES: Ohlcv[] = Array.from({ length: 80 }, (_, i) => {
  const close = 100 + 10 * Math.sin(i / 5) + i * 0.3 + (i % 7) * 0.4;
  const open = i === 0 ? close : 100 + 10 * Math.sin((i - 1) / 5) + (i - 1) * 0.3 + ((i - 1) % 7) * 0.4;
  return [
    i * 60_000,
    open,
    Math.max(open, close) + 1 + (i % 3),
    Math.min(open, close) - 1 - (i % 4) * 0.5,
    close,
    10 + (i % 9),
  ];
});
const CLOSES = CANDLES.map((c) => c[4]);

// Reference implementations, written from the textbook definitions, independent of the library.
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function sma(xs: number[], n: number): (number | null)[] {
  return xs.map((_, i) => (i < n - 1 ? null : mean(xs.slice(i - n + 1, i + 1))));
}
/** Recursive EMA seeded with the first value, reported from the n-th value on. */
function emaFull(xs: number[], n: number): number[] {
  const a = 2 / (n + 1);
  const out: number[] = [];
  xs.forEach((x, i) => out.push(i === 0 ? x : a * x + (1 - a) * out[i - 1]!));
  return out;
}
const ema = (xs: number[], n: number) => emaFull(xs, n).map((v, i) => (i < n - 1 ? null : v));
/** Wilder's smoothing seeded with the simple mean of the first n values (index n-1). */
function wilder(xs: number[], n: number): (number | null)[] {
  const out: (number | null)[] = [];
  let prev: number | null = null;
  xs.forEach((x, i) => {
    if (i < n - 1) return out.push(null);
    prev = prev === null ? mean(xs.slice(0, n)) : (prev * (n - 1) + x) / n;
    out.push(prev);
  });
  return out;
}
function rsi(xs: number[], n: number): (number | null)[] {
  const gains = xs.slice(1).map((x, i) => Math.max(0, x - xs[i]!));
  const losses = xs.slice(1).map((x, i) => Math.max(0, xs[i]! - x));
  const g = wilder(gains, n);
  const l = wilder(losses, n);
  return [null, ...g.map((gv, i) => (gv === null ? null : l[i] === 0 ? 100 : 100 - 100 / (1 + gv / l[i]!)))];
}
function macd(xs: number[], f: number, s: number, sig: number) {
  const fast = emaFull(xs, f);
  const slow = emaFull(xs, s);
  const line = xs.map((_, i) => (i < s - 1 ? null : fast[i]! - slow[i]!));
  const defined = line.slice(s - 1) as number[];
  const signalTail = ema(defined, sig);
  const signal = [...Array<null>(s - 1).fill(null), ...signalTail];
  return {
    macd: line,
    signal,
    histogram: line.map((m, i) => (m === null || signal[i] === null ? null : m - signal[i]!)),
  };
}
function boll(xs: number[], n: number, k: number) {
  const mid = sma(xs, n);
  const sd = xs.map((_, i) => {
    if (i < n - 1) return null;
    const w = xs.slice(i - n + 1, i + 1);
    const m = mean(w);
    return Math.sqrt(mean(w.map((x) => (x - m) ** 2)));
  });
  return {
    upper: mid.map((m, i) => (m === null ? null : m + k * sd[i]!)),
    middle: mid,
    lower: mid.map((m, i) => (m === null ? null : m - k * sd[i]!)),
  };
}
function atr(c: Ohlcv[], n: number) {
  const tr = c.map((r, i) =>
    i === 0
      ? r[2] - r[3]
      : Math.max(r[2] - r[3], Math.abs(r[2] - c[i - 1]![4]), Math.abs(r[3] - c[i - 1]![4])),
  );
  return wilder(tr, n);
}

function expectClose(actual: (number | null)[], expected: (number | null)[], digits = 9) {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => {
    if (e === null) expect({ i, v: actual[i] }).toEqual({ i, v: null });
    else expect(actual[i]).toBeCloseTo(e, digits);
  });
}

describe('chart indicators', () => {
  it('computes each indicator like the reference definitions, aligned, null during warm-up', () => {
    const specs = parseIndicators('ma:20,ema:10,rsi:14,macd:12:26:9,boll:20:2,atr:14,vol_ma:5');
    const out = computeIndicators(CANDLES, specs);
    expectClose(out['ma:20']!.value!, sma(CLOSES, 20));
    expectClose(out['ema:10']!.value!, ema(CLOSES, 10));
    expectClose(out['rsi:14']!.value!, rsi(CLOSES, 14));
    const m = macd(CLOSES, 12, 26, 9);
    expectClose(out['macd:12:26:9']!.macd!, m.macd);
    expectClose(out['macd:12:26:9']!.signal!, m.signal);
    expectClose(out['macd:12:26:9']!.histogram!, m.histogram);
    const b = boll(CLOSES, 20, 2);
    expectClose(out['boll:20:2']!.upper!, b.upper);
    expectClose(out['boll:20:2']!.middle!, b.middle);
    expectClose(out['boll:20:2']!.lower!, b.lower);
    expectClose(out['atr:14']!.value!, atr(CANDLES, 14));
    expectClose(
      out['vol_ma:5']!.value!,
      sma(
        CANDLES.map((c) => c[5]),
        5,
      ),
    );

    // Warm-up lengths, spelt out.
    const firstValue = (xs: (number | null)[]) => xs.findIndex((v) => v !== null);
    expect(firstValue(out['ma:20']!.value!)).toBe(19);
    expect(firstValue(out['ema:10']!.value!)).toBe(9);
    expect(firstValue(out['rsi:14']!.value!)).toBe(14);
    expect(firstValue(out['macd:12:26:9']!.macd!)).toBe(25);
    expect(firstValue(out['macd:12:26:9']!.signal!)).toBe(33);
    expect(firstValue(out['boll:20:2']!.upper!)).toBe(19);
    expect(firstValue(out['atr:14']!.value!)).toBe(13);
  });

  it('matches the published RSI(14) worked example (StockCharts / Wilder)', () => {
    // The closes as the worked example's spreadsheet has them (four decimals).
    const closes = [
      44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931,
      46.0328, 45.614, 46.282, 46.282, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439,
    ];
    const candles = closes.map((c, i) => [i, c, c, c, c, 1] as Ohlcv);
    const out = computeIndicators(candles, parseIndicators('rsi:14'))['rsi:14']!.value!;
    expect(out.slice(0, 14).every((v) => v === null)).toBe(true);
    expect(out.slice(14).map((v) => Math.round(v! * 100) / 100)).toEqual([
      70.53, 66.32, 66.55, 69.41, 66.36, 57.97,
    ]);
  });

  it('is all null when the series is shorter than the warm-up', () => {
    const out = computeIndicators(CANDLES.slice(0, 5), parseIndicators('ma:20,rsi:14,boll'));
    expect(out['ma:20']!.value).toEqual([null, null, null, null, null]);
    expect(out['rsi:14']!.value).toEqual([null, null, null, null, null]);
    expect(out['boll:20:2']!.middle).toEqual([null, null, null, null, null]);
  });

  it('fills omitted parameters with defaults, names each output by its full key, drops repeats', () => {
    expect(parseIndicators('ma, macd ,boll:10,ma:20').map((s) => s.key)).toEqual([
      'ma:20',
      'macd:12:26:9',
      'boll:10:2',
    ]);
  });

  it.each([
    ['foo:3', /unknown indicator "foo"/],
    ['ma:0', /ma period must be an integer from 1 to 500/],
    ['ma:2.5', /must be an integer/],
    ['rsi:1', /rsi period must be an integer from 2/],
    ['ma:20:3', /at most 1 parameter/],
    ['macd:26:12:9', /fast period must be below the slow one/],
    ['boll:20:x', /stddev must be a number/],
    ['', /no indicator given/],
    [Array.from({ length: 21 }, (_, i) => `ma:${i + 1}`).join(','), /at most 20 indicators/],
    ['constructor', /unknown indicator/],
  ])('refuses %j with 400 UNKNOWN_INDICATOR listing the supported ones', (raw, reason) => {
    let err: unknown;
    try {
      parseIndicators(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppException);
    const e = err as AppException;
    expect(e.status).toBe(400);
    expect(e.code).toBe('UNKNOWN_INDICATOR');
    expect((e.details as { reason: string }).reason).toMatch(reason);
    expect((e.details as { supported: string[] }).supported).toEqual(supportedIndicators());
    expect(supportedIndicators()).toContain('macd:fast=12:slow=26:signal=9');
  });
});
