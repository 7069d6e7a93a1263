import { Inject, Injectable } from '@nestjs/common';
import { timeframeMs } from '../../common/time/timeframe.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { MarketData, type Ohlcv } from '../../infra/exchange/market-data.js';
import type { DataFrameRow } from '../freqtrade/capture/analyzed-df.js';
import { RunningBotCandles } from '../freqtrade/running-bot-candles.service.js';
import { FIXED_TIMEFRAME, planBotKlines, type KlineRange } from './bot-kline-plan.js';
import type { KlineQueryDto } from './dto/chart-query.dto.js';

/** Where a chart's candles came from: a running bot's analysed frame, the exchange, or both. */
export const CANDLE_SOURCES = ['exchange', 'bot', 'bot+exchange'] as const;
export type CandleSource = (typeof CANDLE_SOURCES)[number];

export interface ChartSeries {
  rows: Ohlcv[];
  source: CandleSource;
}

/** A bot row as a candle; null when the strategy left an OHLCV field unusable. */
export function rowToOhlcv(row: DataFrameRow): Ohlcv | null {
  const { date, open, high, low, close, volume } = row;
  const c = [date, open, high, low, close, volume];
  return c.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (c as Ohlcv) : null;
}

/**
 * The candles of a chart request. When a running bot monitors the market (same exchange, pair and
 * timeframe) its analysed frame serves them, and the exchange is asked only for what that frame
 * does not hold; otherwise everything comes from the exchange (MarketData, cached).
 */
@Injectable()
export class ChartCandles {
  constructor(
    private readonly market: MarketData,
    private readonly bots: RunningBotCandles,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async klines(ownerId: number, q: KlineQueryDto): Promise<ChartSeries> {
    const req: KlineRange = { start: q.start_time?.getTime(), end: q.end_time?.getTime(), limit: q.limit };
    const own = this.fromBot(ownerId, q, req);
    if (!own) return { rows: await this.exchange(ownerId, q, req), source: 'exchange' };
    const [head, tail] = await Promise.all([
      own.head ? this.exchange(ownerId, q, own.head) : [],
      own.tail ? this.exchange(ownerId, q, own.tail) : [],
    ]);
    return {
      rows: head.length || tail.length ? [...head, ...own.rows, ...tail] : own.rows,
      source: own.head || own.tail ? 'bot+exchange' : 'bot',
    };
  }

  /**
   * The bot's part, copied out synchronously: the capture extends its series in place between
   * frames, so nothing may await between planning and slicing.
   */
  private fromBot(
    ownerId: number,
    q: KlineQueryDto,
    req: KlineRange,
  ): { rows: Ohlcv[]; head?: KlineRange; tail?: KlineRange } | null {
    const tf = timeframeMs(q.timeframe);
    if (tf === null || !FIXED_TIMEFRAME.test(q.timeframe)) return null;
    const found = this.bots.find({
      exchange: q.exchange,
      pair: q.pair,
      timeframe: q.timeframe,
      preferOwnerId: ownerId,
    });
    if (!found) return null;
    const plan = planBotKlines(found.series.dates, tf, req, this.clock.now());
    if (!plan) return null;
    const rows: Ohlcv[] = [];
    for (let i = plan.from; i < plan.to; i++) {
      const c = rowToOhlcv(found.series.rows[i]!);
      if (!c) return null;
      rows.push(c);
    }
    return { rows, head: plan.head, tail: plan.tail };
  }

  private exchange(ownerId: number, q: KlineQueryDto, r: KlineRange): Promise<Ohlcv[]> {
    return this.market.klines({
      exchange: q.exchange,
      pair: q.pair,
      timeframe: q.timeframe,
      start: r.start,
      end: r.end,
      limit: r.limit,
      ownerId,
    });
  }
}
