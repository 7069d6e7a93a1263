import { describe, expect, it, jest } from '@jest/globals';
import { ManualClock } from '../../infra/clock/clock.port.js';
import type { KlineRequest, MarketData, Ohlcv } from '../../infra/exchange/market-data.js';
import type { BotSeries, RunningBotCandles } from '../freqtrade/running-bot-candles.service.js';
import { ChartCandles } from './chart-candles.service.js';
import type { KlineQueryDto } from './dto/chart-query.dto.js';

const M = 60_000;
const NOW = 1000 * M + 20_000;
const row = (m: number): Record<string, unknown> => ({
  date: m * M,
  open: m,
  high: m + 1,
  low: m - 1,
  close: m,
  volume: 1,
  rsi: 50,
});
const candle = (m: number): Ohlcv => [m * M, m, m + 1, m - 1, m, 1];
const q = (over: Partial<KlineQueryDto> = {}) =>
  ({ exchange: 'binance', pair: 'BTC/USDT', timeframe: '1m', limit: 5, ...over }) as KlineQueryDto;

function setup(series: { dates: number[]; rows: Record<string, unknown>[] } | null) {
  const klines = jest.fn(async (r: KlineRequest) => {
    const out: Ohlcv[] = [];
    for (let t = r.start!; t <= r.end! && out.length < r.limit; t += M) out.push(candle(t / M));
    return out;
  });
  const find = jest.fn((_query: unknown) =>
    series ? ({ strategyId: 1, ownerId: 1, exchange: 'binance', series } as unknown as BotSeries) : null,
  );
  const sut = new ChartCandles(
    { klines } as unknown as MarketData,
    { find } as unknown as RunningBotCandles,
    new ManualClock(NOW),
  );
  return { sut, klines, find };
}
const bot = (a: number, b: number) => {
  const minutes = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  return { dates: minutes.map((m) => m * M), rows: minutes.map(row) };
};

describe('ChartCandles', () => {
  it('serves a monitored market from the bot alone, its own bot preferred, no exchange call', async () => {
    const { sut, klines, find } = setup(bot(900, 999));
    const r = await sut.klines(7, q());
    expect(r).toEqual({ rows: [995, 996, 997, 998, 999].map(candle), source: 'bot' });
    expect(klines).not.toHaveBeenCalled();
    expect(find).toHaveBeenCalledWith({
      exchange: 'binance',
      pair: 'BTC/USDT',
      timeframe: '1m',
      preferOwnerId: 7,
    });
  });

  it('adds the older head from the exchange, in order, without overlap', async () => {
    const { sut, klines } = setup(bot(998, 999));
    const r = await sut.klines(7, q());
    expect(r.source).toBe('bot+exchange');
    expect(r.rows).toEqual([995, 996, 997, 998, 999].map(candle));
    expect(klines).toHaveBeenCalledTimes(1);
    expect(klines.mock.calls[0]![0]).toMatchObject({ start: 995 * M, end: 997 * M, limit: 3, ownerId: 7 });
  });

  it('falls back to the exchange entirely when no bot monitors it, or its OHLCV is unusable', async () => {
    const none = setup(null);
    expect((await none.sut.klines(7, q())).source).toBe('exchange');
    const broken = bot(900, 999);
    broken.rows[broken.rows.length - 2] = { ...broken.rows.at(-2)!, close: null };
    const bad = setup(broken);
    expect((await bad.sut.klines(7, q())).source).toBe('exchange');
    // Week and month candles are calendar-aligned: never planned from a bot.
    const week = setup(bot(900, 999));
    expect((await week.sut.klines(7, q({ timeframe: '1w' }))).source).toBe('exchange');
    expect(week.find).not.toHaveBeenCalled();
  });
});
