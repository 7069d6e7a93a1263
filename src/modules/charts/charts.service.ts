import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception.js';
import { wireTimestamp } from '../../common/http/envelope.js';
import { timeframeMs } from '../../common/time/timeframe.js';
import { MarketData, type Ohlcv } from '../../infra/exchange/market-data.js';
import { SignalsQueryService } from '../signals/signals-query.service.js';
import type { ChartSignalsQueryDto, IndicatorsQueryDto, KlineQueryDto } from './dto/chart-query.dto.js';
import type {
  ChartSignalsResponseDto,
  IndicatorsResponseDto,
  KlineResponseDto,
} from './dto/chart.response.dto.js';
import { computeIndicators, parseIndicators } from './indicators.js';

const iso = (ms: number) => wireTimestamp(new Date(ms));

/** Indicator results kept in-process for repeated requests (dashboards poll the same view). */
const MEMO_SIZE = 256;

/**
 * Identifies a candle series cheaply: closed candles never change, so the range, the count and the
 * last (possibly forming) candle's values tell two series apart.
 */
function seriesKey(rows: Ohlcv[]): string {
  const last = rows.at(-1);
  return last ? `${rows.length}|${rows[0]![0]}|${last.join(',')}` : '0';
}

/** Klines, indicators on them, and the journal's signals as annotations: what a chart draws. */
@Injectable()
export class ChartsService {
  private readonly memo = new Map<string, IndicatorsResponseDto['indicators']>();

  constructor(
    private readonly market: MarketData,
    private readonly signals: SignalsQueryService,
  ) {}

  private candles(ownerId: number, q: KlineQueryDto): Promise<Ohlcv[]> {
    return this.market.klines({
      exchange: q.exchange,
      pair: q.pair,
      timeframe: q.timeframe,
      start: q.start_time?.getTime(),
      end: q.end_time?.getTime(),
      limit: q.limit,
      ownerId,
    });
  }

  async kline(ownerId: number, q: KlineQueryDto): Promise<KlineResponseDto> {
    const rows = await this.candles(ownerId, q);
    return {
      exchange: q.exchange,
      pair: q.pair,
      timeframe: q.timeframe,
      data: rows.map(([t, open, high, low, close, volume]) => ({
        timestamp: iso(t),
        open,
        high,
        low,
        close,
        volume,
      })),
    };
  }

  async indicators(ownerId: number, q: IndicatorsQueryDto): Promise<IndicatorsResponseDto> {
    const specs = parseIndicators(q.indicators); // a bad list fails before any exchange call
    const rows = await this.candles(ownerId, q);
    const key = `${q.exchange}|${q.pair}|${q.timeframe}|${specs.map((s) => s.key).join(',')}|${seriesKey(rows)}`;
    let indicators = this.memo.get(key);
    if (!indicators) {
      indicators = computeIndicators(rows, specs);
      if (this.memo.size >= MEMO_SIZE) this.memo.delete(this.memo.keys().next().value!);
      this.memo.set(key, indicators);
    }
    return {
      exchange: q.exchange,
      pair: q.pair,
      timeframe: q.timeframe,
      timestamps: rows.map((r) => iso(r[0])),
      indicators,
    };
  }

  async chartSignals(ownerId: number, q: ChartSignalsQueryDto): Promise<ChartSignalsResponseDto> {
    const tf = timeframeMs(q.timeframe);
    if (tf === null) throw new AppException('UNKNOWN_TIMEFRAME', { timeframe: q.timeframe });
    // end_time is inclusive like the klines' (a candle opening at it counts).
    const end = q.end_time ? q.end_time.getTime() + 1 : Date.now() + tf;
    const start = q.start_time?.getTime() ?? end - 500 * tf;
    const rows = await this.signals.forChart(ownerId, {
      pair: q.pair,
      timeframe: q.timeframe,
      strategyId: q.strategy_id,
      start: new Date(start),
      end: new Date(end),
      limit: q.limit,
    });
    return {
      pair: q.pair,
      timeframe: q.timeframe,
      signals: rows.map((s) => ({
        id: s.id,
        timestamp: wireTimestamp(new Date(s.timestamp)),
        price: s.price,
        signal_type: s.signal_type,
        kind: s.kind,
        strength_level: s.strength_level,
        strength_raw: s.strength_raw,
        priority: s.priority,
        strategy_id: s.strategy_id,
        strategy_name: s.strategy_name,
        strategy_version: s.strategy_version,
        tag: s.tag,
        notification_sent: s.notification_sent,
        notification_channels: s.notification_channels,
      })),
    };
  }
}
