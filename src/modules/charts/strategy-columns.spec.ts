import { describe, expect, it } from '@jest/globals';
import { strategyColumns, windowOf } from './strategy-columns.js';

const M = 60_000;
const rows = [
  {
    date: 0,
    open: 1,
    high: 2,
    low: 0,
    close: 1,
    volume: 5,
    rsi: null,
    ema: 1.5,
    enter_long: 1,
    enter_tag: 'x',
    flag: true,
    note: 'a',
  },
  {
    date: M,
    open: 1,
    high: 2,
    low: 0,
    close: 1,
    volume: 5,
    rsi: 40,
    ema: 1.6,
    enter_long: null,
    enter_tag: '',
    flag: false,
    note: 'b',
  },
  {
    date: 2 * M,
    open: 1,
    high: 2,
    low: 0,
    close: 1,
    volume: 5,
    rsi: 41,
    ema: null,
    enter_long: null,
    enter_tag: '',
    flag: true,
    note: 'c',
    late: 3,
  },
];

describe('strategy columns', () => {
  it('keeps the numeric non-OHLCV, non-signal columns, aligned, NaN (null) as null', () => {
    expect(strategyColumns(rows)).toEqual({
      rsi: [null, 40, 41],
      ema: [1.5, 1.6, null],
      late: [null, null, 3],
    });
  });

  it('windows the rows like a kline request', () => {
    const series = { dates: rows.map((r) => r.date), rows };
    expect(windowOf(series, { limit: 2 }, 10 * M).map((r) => r.date)).toEqual([M, 2 * M]);
    expect(windowOf(series, { start: 1, limit: 5 }, 10 * M).map((r) => r.date)).toEqual([M, 2 * M]);
    expect(windowOf(series, { end: M, limit: 5 }, 10 * M).map((r) => r.date)).toEqual([0, M]);
    expect(windowOf(series, { start: 5 * M, limit: 5 }, 10 * M)).toEqual([]);
  });
});
