import { describe, expect, it } from '@jest/globals';
import type { BotMessage } from './analyzed-df.js';
import { AnalyzedFrames, MAX_FRAME_ROWS, MAX_FRAME_SERIES } from './analyzed-frames.js';

const M = 60_000;
type Frame = Extract<BotMessage, { type: 'analyzed_df' }>;
const frame = (minutes: number[], pair = 'BTC/USDT', timeframe = '1m', candleType = 'spot'): Frame => ({
  type: 'analyzed_df',
  pair,
  timeframe,
  candleType,
  rows: minutes.map((m) => ({ date: m * M, close: 100 + m, rsi: m % 2 ? null : 50 })),
});
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const minutesOf = (f: AnalyzedFrames, pair = 'BTC/USDT') => f.get(pair, '1m')!.dates.map((d) => d / M);

describe('AnalyzedFrames', () => {
  it('a history reply replaces the series; broadcasts extend it, and a re-sent last row replaces it', () => {
    const f = new AnalyzedFrames();
    expect(f.record(frame(range(1, 5)), 1)).toBe(false);
    expect(f.record(frame([6]), 2)).toBe(false);
    f.record({ ...frame([6]), rows: [{ date: 6 * M, close: 999 }] }, 3);
    expect(minutesOf(f)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(f.get('BTC/USDT', '1m')!.rows.at(-1)).toEqual({ date: 6 * M, close: 999 });
    expect(f.get('BTC/USDT', '1m')!.receivedAt).toBe(3);
    // A late repeat of an older row changes nothing.
    f.record(frame([3]), 4);
    expect(minutesOf(f)).toEqual([1, 2, 3, 4, 5, 6]);
    f.record(frame(range(10, 12)), 5);
    expect(minutesOf(f)).toEqual([10, 11, 12]);
  });

  it('never holds a hole: a skipped candle restarts the series and asks for history', () => {
    const f = new AnalyzedFrames();
    f.record(frame(range(1, 5)), 1);
    expect(f.record(frame([8]), 2)).toBe(true);
    expect(minutesOf(f)).toEqual([8]);
    // A reply with a hole keeps only its newest unbroken run.
    f.record(frame([1, 2, 4, 5, 6]), 3);
    expect(minutesOf(f)).toEqual([4, 5, 6]);
  });

  it('is bounded: MAX_FRAME_ROWS rows per series, MAX_FRAME_SERIES series (least recently updated go)', () => {
    const f = new AnalyzedFrames();
    f.record(frame(range(1, MAX_FRAME_ROWS + 100)), 1);
    f.record(frame([MAX_FRAME_ROWS + 101]), 2);
    const kept = minutesOf(f);
    expect(kept).toHaveLength(MAX_FRAME_ROWS);
    expect(kept.at(-1)).toBe(MAX_FRAME_ROWS + 101);
    for (let i = 0; i < MAX_FRAME_SERIES; i++) f.record(frame([1, 2], `P${i}/USDT`), 3);
    expect(f.get('BTC/USDT', '1m')).toBeUndefined();
    expect(f.all()).toHaveLength(MAX_FRAME_SERIES);
  });

  it('ignores frames without usable dates and unknown timeframes', () => {
    const f = new AnalyzedFrames();
    f.record({ ...frame([]), rows: [{ date: 'x' }] }, 1);
    f.record(frame([1, 2], 'BTC/USDT', 'weird'), 1);
    expect(f.all()).toEqual([]);
  });
});
