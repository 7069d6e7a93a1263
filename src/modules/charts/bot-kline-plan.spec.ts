import { describe, expect, it } from '@jest/globals';
import { planBotKlines } from './bot-kline-plan.js';

const M = 60_000;
// "Now" is 20 s into the candle opening at minute 1000: minute 999 is the latest closed one.
const NOW = 1000 * M + 20_000;
/** A bot series of closed 1m candles from minute `a` to minute `b`. */
const series = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => (a + i) * M);

describe('planBotKlines', () => {
  it('serves "the last N up to now" entirely from a current bot, ending at its last closed candle', () => {
    expect(planBotKlines(series(0, 999), M, { limit: 500 }, NOW)).toEqual({ from: 500, to: 1000 });
  });

  it('asks the exchange for the tail while the bot has not analysed the latest closed candle yet', () => {
    // One candle behind: 999 and the forming 1000 come from the exchange, 501–998 from the bot.
    expect(planBotKlines(series(0, 998), M, { limit: 500 }, NOW)).toEqual({
      from: 501,
      to: 999,
      tail: { start: 999 * M, end: 1000 * M, limit: 2 },
    });
  });

  it('asks the exchange for the head older than the bot holds', () => {
    expect(planBotKlines(series(700, 999), M, { limit: 500 }, NOW)).toEqual({
      from: 0,
      to: 300,
      head: { start: 500 * M, end: 699 * M, limit: 200 },
    });
  });

  it('start_time + limit: the first candles from start, inside the series', () => {
    expect(planBotKlines(series(0, 999), M, { start: 100 * M + 1, limit: 10 }, NOW)).toEqual({
      from: 101,
      to: 111,
    });
  });

  it('an end_time in the past: the last N up to it (inclusive)', () => {
    expect(planBotKlines(series(0, 999), M, { end: 300 * M, limit: 3 }, NOW)).toEqual({ from: 298, to: 301 });
  });

  it('a range the bot does not hold at all is the exchange’s', () => {
    expect(planBotKlines(series(500, 999), M, { end: 100 * M, limit: 50 }, NOW)).toBeNull();
    expect(planBotKlines([], M, { limit: 50 }, NOW)).toBeNull();
  });

  it('an end_time at the forming candle, bot current: same as up to now', () => {
    expect(planBotKlines(series(0, 999), M, { end: 1000 * M + 5, limit: 2 }, NOW)).toEqual({
      from: 998,
      to: 1000,
    });
  });
});
