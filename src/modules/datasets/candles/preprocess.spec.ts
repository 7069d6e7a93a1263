import { describe, expect, it } from '@jest/globals';
import { timeframeMs } from '../../freqtrade/health/health-score.js';
import type { Candle } from './candle.js';
import { PreprocessError, applyOperations, parseOperations } from './preprocess.js';

const M5 = 300_000;
const T0 = Date.UTC(2025, 0, 6); // a Monday
const k = (i: number, o: number | null, h: number, l: number, c: number, v: number): Candle => ({
  t: T0 + i * M5,
  o,
  h,
  l,
  c,
  v,
});
const run = (candles: Candle[], ops: unknown, tf = '5m') =>
  applyOperations(candles, tf, parseOperations(ops, timeframeMs), timeframeMs);

describe('preprocess', () => {
  it('names every bad operation and unknown column at once', () => {
    expect(() =>
      parseOperations(
        [{ type: 'smooth' }, { type: 'fill_missing', method: 'magic', columns: ['price'] }],
        timeframeMs,
      ),
    ).toThrow(/operations\[0\]\.type.*operations\[1\]\.method.*unknown column\(s\) price/);
    expect(() => parseOperations([], timeframeMs)).toThrow(PreprocessError);
  });

  it('fills missing values forward, by interpolation in time, or drops the rows', () => {
    const input = [k(0, 1, 2, 1, 1, 1), k(1, null, 2, 1, 1, 1), k(3, 4, 5, 1, 1, 1)];
    expect(run(input, [{ type: 'fill_missing', method: 'forward_fill' }]).candles.map((x) => x.o)).toEqual([
      1, 1, 4,
    ]);
    // t = 0, 1, 3 → the missing value at t = 1 sits a third of the way from 1 to 4
    expect(run(input, [{ type: 'fill_missing', method: 'interpolate' }]).candles.map((x) => x.o)).toEqual([
      1, 2, 4,
    ]);
    expect(run(input, [{ type: 'fill_missing', method: 'drop', columns: ['open'] }]).candles).toHaveLength(2);
    expect(input[1]!.o).toBeNull();
  });

  it('drops duplicate candle times keeping the first or the last', () => {
    const input = [k(0, 1, 2, 1, 1, 1), k(0, 9, 9, 1, 9, 9), k(1, 1, 2, 1, 1, 1)];
    expect(run(input, [{ type: 'drop_duplicates' }]).candles.map((x) => x.o)).toEqual([1, 1]);
    expect(run(input, [{ type: 'drop_duplicates', keep: 'last' }]).candles.map((x) => x.o)).toEqual([9, 1]);
  });

  it('resamples to a higher timeframe: first open, max high, min low, last close, summed volume', () => {
    const input = [k(0, 1, 5, 1, 2, 1), k(1, 2, 7, 0.5, 3, 2), k(2, 3, 4, 2, 4, 3), k(3, 4, 6, 3, 5, 4)];
    const out = run(input, [{ type: 'resample', timeframe: '15m' }]);
    expect(out.timeframe).toBe('15m');
    expect(out.candles).toEqual([
      { t: T0, o: 1, h: 7, l: 0.5, c: 4, v: 6 },
      { t: T0 + 3 * M5, o: 4, h: 6, l: 3, c: 5, v: 4 },
    ]);
    expect(() => run(input, [{ type: 'resample', timeframe: '5m' }])).toThrow(/not a multiple/);
  });

  it('aligns weekly buckets on Monday', () => {
    const sunday = T0 - 86_400_000;
    const out = applyOperations(
      [
        { t: sunday, o: 1, h: 1, l: 1, c: 1, v: 1 },
        { t: T0, o: 2, h: 2, l: 2, c: 2, v: 1 },
      ],
      '1d',
      [{ type: 'resample', timeframe: '1w' }],
      timeframeMs,
    );
    expect(out.candles.map((x) => new Date(x.t).getUTCDay())).toEqual([1, 1]);
    expect(out.candles[1]!.t).toBe(T0);
  });

  it('normalises and marks the result', () => {
    const input = [k(0, 10, 2, 1, 1, 1), k(1, 20, 2, 1, 1, 1), k(2, 30, 2, 1, 1, 1)];
    const mm = run(input, [{ type: 'normalize', method: 'min_max', columns: ['open'] }]);
    expect(mm.normalized).toBe(true);
    expect(mm.candles.map((x) => x.o)).toEqual([0, 0.5, 1]);
    const z = run(input, [{ type: 'normalize', method: 'z_score', columns: ['open'] }]);
    expect(z.candles.map((x) => x.o)).toEqual([-1, 0, 1]);
  });
});
