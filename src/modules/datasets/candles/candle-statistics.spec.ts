import { describe, expect, it } from '@jest/globals';
import type { Candle } from './candle.js';
import { candleStatistics } from './candle-statistics.js';

const M5 = 300_000;
const T0 = Date.UTC(2025, 0, 1);
const c = (i: number, close: number | null, extra: Partial<Candle> = {}): Candle => ({
  t: T0 + i * M5,
  o: 10,
  h: 20,
  l: 5,
  c: close,
  v: 1,
  ...extra,
});

describe('candleStatistics', () => {
  it('summarises like pandas describe(): sample std, interpolated quartiles', () => {
    // close = 1, 2, 3, 4 → mean 2.5, std sqrt(5/3), q25 1.75, q50 2.5, q75 3.25
    const stats = candleStatistics([c(0, 1), c(1, 2), c(2, 3), c(3, 4)], M5);
    expect(stats.numerical_summary.close).toEqual({
      count: 4,
      min: 1,
      max: 4,
      mean: 2.5,
      std: expect.closeTo(Math.sqrt(5 / 3), 12),
      q25: 1.75,
      q50: 2.5,
      q75: 3.25,
    });
  });

  it('finds gaps with their ranges, duplicates, missing values and OHLC violations', () => {
    const stats = candleStatistics(
      [c(0, 11), c(1, 12), c(1, 12), c(4, null), c(5, 12, { h: 4 }), c(6, 12, { v: -1 })],
      M5,
    );
    expect(stats.candles.gaps).toEqual([
      {
        after: new Date(T0 + M5).toISOString(),
        before: new Date(T0 + 4 * M5).toISOString(),
        missing_candles: 2,
      },
    ]);
    expect(stats.candles.missing_candles).toBe(2);
    expect(stats.candles.duplicates).toBe(1);
    expect(stats.missing_values.close).toBe(1);
    expect(stats.numerical_summary.close.count).toBe(5);
    expect(stats.candles.ohlc_violations).toBe(2);
    expect(stats.candles.ohlc_violation_examples.map((v) => v.reason)).toEqual([
      'high 4 < low 5',
      'negative volume -1',
    ]);
    expect(stats.candles.expected_candles).toBe(7);
  });
});
