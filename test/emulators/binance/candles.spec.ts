import {
  AggregatedSource,
  GeneratedSeries,
  ScriptedSeries,
  completeCandle,
  selectKlines,
} from './candles.mjs';
import { candlesBetween, closeTimeOf, openAt, shiftOpen, tiles } from './intervals.mjs';
import { randomWalkGenerator } from './random-walk.mjs';

const MIN = 60_000;
// 2025-01-01T12:00:30Z: half a minute into a candle.
const T0 = Date.UTC(2025, 0, 1, 12, 0, 30);
const OPEN0 = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('Binance intervals', () => {
  it('aligns fixed intervals to the epoch and gives the last millisecond as close time', () => {
    expect(openAt('1m', T0)).toBe(OPEN0);
    expect(openAt('4h', T0)).toBe(Date.UTC(2025, 0, 1, 12));
    expect(openAt('3d', T0) % (3 * 86_400_000)).toBe(0);
    expect(closeTimeOf('1m', OPEN0)).toBe(OPEN0 + MIN - 1);
  });

  it('opens weeks on Monday and months on the first, like Binance', () => {
    // 2025-01-01 is a Wednesday; its week opened on Monday 2024-12-30.
    expect(openAt('1w', T0)).toBe(Date.UTC(2024, 11, 30));
    expect(openAt('1M', T0)).toBe(Date.UTC(2025, 0, 1));
    expect(shiftOpen('1M', Date.UTC(2025, 0, 1), 2)).toBe(Date.UTC(2025, 2, 1));
    expect(closeTimeOf('1M', Date.UTC(2025, 1, 1))).toBe(Date.UTC(2025, 2, 1) - 1);
    expect(candlesBetween('1M', Date.UTC(2024, 10, 1), Date.UTC(2025, 1, 1))).toBe(3);
  });

  it('knows which intervals tile which', () => {
    expect(tiles('1m', '5m')).toBe(true);
    expect(tiles('1h', '1w')).toBe(true);
    expect(tiles('1d', '1M')).toBe(true);
    expect(tiles('3m', '5m')).toBe(false);
    expect(tiles('3d', '1w')).toBe(false);
    expect(tiles('1w', '1M')).toBe(false);
  });
});

describe('completeCandle', () => {
  it('fills open from the previous close and high/low from open and close', () => {
    expect(completeCandle(101, 100, 7)).toEqual({ open: 100, high: 101, low: 100, close: 101, volume: 7 });
    expect(completeCandle({ close: 99 }, undefined, 7)).toEqual({
      open: 99,
      high: 99,
      low: 99,
      close: 99,
      volume: 7,
    });
  });

  it('refuses candles that cannot exist', () => {
    expect(() => completeCandle({ open: 100, close: 101, high: 100.5 }, undefined, 1)).toThrow(/high\/low/);
    expect(() => completeCandle({ close: Number.NaN }, undefined, 1)).toThrow(RangeError);
    expect(() => completeCandle({ close: 0 }, undefined, 1)).toThrow(RangeError);
  });
});

describe('ScriptedSeries', () => {
  const closes = [100, 99, 98, 97, 101];

  it('anchors the last close to the forming candle and history before it', () => {
    const s = new ScriptedSeries({ symbol: 'BTCUSDT', interval: '1m', closes }, T0);
    const k = selectKlines(s, T0, { limit: 500 });
    expect(k.map((c) => c.close)).toEqual(closes);
    expect(k.at(-1)!.openTime).toBe(OPEN0);
    expect(k.map((c) => c.openTime)).toEqual([4, 3, 2, 1, 0].map((i) => OPEN0 - i * MIN));
    expect(k[1]).toMatchObject({
      open: 100,
      close: 99,
      high: 100,
      low: 99,
      closeTime: OPEN0 - 3 * MIN + MIN - 1,
    });
  });

  it('stays flat at the last close as the clock moves past the list', () => {
    const s = new ScriptedSeries({ symbol: 'BTCUSDT', interval: '1m', closes }, T0);
    const later = T0 + 2 * MIN;
    const k = selectKlines(s, later, { limit: 3 });
    expect(k.map((c) => [c.openTime, c.open, c.high, c.low, c.close])).toEqual([
      [OPEN0, 97, 101, 97, 101],
      [OPEN0 + MIN, 101, 101, 101, 101],
      [OPEN0 + 2 * MIN, 101, 101, 101, 101],
    ]);
  });

  it('reveals scripted future candles as the clock reaches them', () => {
    const s = new ScriptedSeries({ symbol: 'BTCUSDT', interval: '1m', closes, formingIndex: 2 }, T0);
    expect(selectKlines(s, T0, { limit: 10 }).map((c) => c.close)).toEqual([100, 99, 98]);
    expect(selectKlines(s, T0 + MIN, { limit: 10 }).map((c) => c.close)).toEqual([100, 99, 98, 97]);
    expect(selectKlines(s, T0 + 2 * MIN, { limit: 10 }).at(-1)!.close).toBe(101);
  });

  it('appends into the next slot, or into the forming slot once the clock has passed it', () => {
    const s = new ScriptedSeries({ symbol: 'BTCUSDT', interval: '1m', closes }, T0);
    expect(s.append(102, T0)).toBe(OPEN0 + MIN); // future: appears one minute later
    expect(selectKlines(s, T0, { limit: 1 })[0].close).toBe(101);
    expect(selectKlines(s, T0 + MIN, { limit: 1 })[0]).toMatchObject({ open: 101, close: 102 });

    const late = T0 + 5 * MIN;
    expect(s.append({ close: 90, volume: 3 }, late)).toBe(OPEN0 + 5 * MIN);
    const k = selectKlines(s, late, { limit: 4 });
    expect(k.map((c) => c.close)).toEqual([102, 102, 102, 90]);
    expect(k.at(-1)).toMatchObject({ open: 102, low: 90, volume: 3 });
    // The flat candles served meanwhile did not change.
    expect(selectKlines(s, late + MIN, { limit: 6 }).map((c) => c.close)).toEqual([
      102, 102, 102, 102, 90, 90,
    ]);
  });

  it('rejects scripts it cannot honour', () => {
    expect(() => new ScriptedSeries({ symbol: 'BTCUSDT', interval: '2m', closes }, T0)).toThrow(/interval/);
    expect(() => new ScriptedSeries({ symbol: 'BTCUSDT', interval: '1m', closes: [] }, T0)).toThrow(
      /at least one/,
    );
    expect(
      () => new ScriptedSeries({ symbol: 'BTCUSDT', interval: '1m', closes, formingIndex: 5 }, T0),
    ).toThrow(/formingIndex/);
    expect(
      () =>
        new ScriptedSeries({ symbol: 'BTCUSDT', interval: '1m', closes, generate: () => ({ close: 1 }) }, T0),
    ).toThrow(/exactly one/);
  });
});

describe('GeneratedSeries', () => {
  it('numbers candles from the anchor and continues as the clock moves', () => {
    const s = new GeneratedSeries(
      { symbol: 'BTCUSDT', interval: '1m', generate: (_t, i) => ({ close: 1000 + i }) },
      T0,
    );
    expect(selectKlines(s, T0, { limit: 3 }).map((c) => [c.open, c.close])).toEqual([
      [997, 998],
      [998, 999],
      [999, 1000],
    ]);
    expect(selectKlines(s, T0 + 3 * MIN, { limit: 1 })[0]).toMatchObject({
      openTime: OPEN0 + 3 * MIN,
      close: 1003,
    });
  });

  it('serves nothing before its start', () => {
    const s = new GeneratedSeries(
      { symbol: 'BTCUSDT', interval: '1m', generate: () => ({ close: 5 }), start: OPEN0 - 2 * MIN + 1 },
      T0,
    );
    expect(selectKlines(s, T0, { limit: 10 }).map((c) => c.openTime)).toEqual([OPEN0 - MIN, OPEN0]);
  });
});

describe('selectKlines', () => {
  const s = new ScriptedSeries(
    { symbol: 'BTCUSDT', interval: '1m', closes: Array.from({ length: 20 }, (_, i) => 100 + i) },
    T0,
  );
  const first = OPEN0 - 19 * MIN;

  it('returns the latest `limit` candles, forming one last', () => {
    const k = selectKlines(s, T0, { limit: 3 });
    expect(k.map((c) => c.close)).toEqual([117, 118, 119]);
  });

  it('starts at the first candle opening at or after startTime, ascending, up to limit', () => {
    expect(selectKlines(s, T0, { startTime: first + MIN, limit: 2 }).map((c) => c.openTime)).toEqual([
      first + MIN,
      first + 2 * MIN,
    ]);
    expect(selectKlines(s, T0, { startTime: first + 1, limit: 1 })[0].openTime).toBe(first + MIN);
    expect(selectKlines(s, T0, { startTime: 0, limit: 2 })[0].openTime).toBe(first);
    expect(selectKlines(s, T0, { startTime: OPEN0 + MIN, limit: 5 })).toEqual([]);
  });

  it('ends at the candle containing endTime', () => {
    const k = selectKlines(s, T0, { endTime: OPEN0 - 5 * MIN + 30_000, limit: 2 });
    expect(k.map((c) => c.openTime)).toEqual([OPEN0 - 6 * MIN, OPEN0 - 5 * MIN]);
    const both = selectKlines(s, T0, { startTime: first, endTime: first + 2 * MIN, limit: 500 });
    expect(both).toHaveLength(3);
  });
});

describe('AggregatedSource', () => {
  it('merges finer candles, the forming coarse candle only up to now', () => {
    // 12:00:30 → the 5m candle 12:00 holds just the forming 1m candle; 11:55 holds five.
    const fine = new ScriptedSeries(
      {
        symbol: 'BTCUSDT',
        interval: '1m',
        candles: [10, 11, 12, 13, 14, 15].map((close) => ({ close, volume: 2 })),
      },
      T0,
    );
    const k = selectKlines(new AggregatedSource(fine, '5m'), T0, { limit: 10 });
    expect(k).toEqual([
      {
        openTime: OPEN0 - 5 * MIN,
        closeTime: OPEN0 - 1,
        open: 10,
        high: 14,
        low: 10,
        close: 14,
        volume: 10,
        trades: 10,
      },
      {
        openTime: OPEN0,
        closeTime: OPEN0 + 5 * MIN - 1,
        open: 14,
        high: 15,
        low: 14,
        close: 15,
        volume: 2,
        trades: 2,
      },
    ]);
  });
});

describe('randomWalkGenerator', () => {
  const options = { seed: 7, basePrice: 60_000, tickSize: 0.01 };

  it('is deterministic and continuous, and intervals agree on boundaries', () => {
    const m1 = randomWalkGenerator({ ...options, interval: '1m' });
    const h1 = randomWalkGenerator({ ...options, interval: '1h' });
    const hour = Date.UTC(2025, 0, 1, 12);
    expect(m1(hour, 0)).toEqual(randomWalkGenerator({ ...options, interval: '1m' })(hour, 0));
    expect(m1(hour + MIN, 1).open).toBe(m1(hour, 0).close);
    expect(h1(hour, 0).open).toBe(m1(hour, 0).open);
    expect(h1(hour, 0).close).toBe(m1(hour + 59 * MIN, 59).close);
    const c = h1(hour, 0);
    expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open!, c.close));
    expect(c.low).toBeLessThanOrEqual(Math.min(c.open!, c.close));
  });

  it('swings: over a day of 1m candles closes move both ways by more than 2 %', () => {
    const m1 = randomWalkGenerator({ ...options, interval: '1m' });
    const closes = Array.from({ length: 1440 }, (_, i) => m1(Date.UTC(2025, 0, 1) + i * MIN, i).close);
    const max = Math.max(...closes);
    const min = Math.min(...closes);
    expect(max / min).toBeGreaterThan(1.02);
    expect(closes.every((c) => Math.abs(Math.round(c * 100) - c * 100) < 1e-6)).toBe(true);
  });
});
