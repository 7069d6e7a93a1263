import { Inject, Injectable } from '@nestjs/common';
import { BoundedMap } from '../../common/bounded-map.js';
import { AppException } from '../../common/errors/app.exception.js';
import { isoTime } from '../../common/time/iso-time.js';
import { timeframeMs } from '../../common/time/timeframe.js';
import { JsonFragment } from '../../common/http/json-fragment.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import type { Ohlcv } from '../../infra/exchange/market-data.js';
import { RunningBotCandles } from '../freqtrade/running-bot-candles.service.js';
import { SignalsQueryService } from '../signals/signals-query.service.js';
import { StrategiesService } from '../strategies/strategies.service.js';
import { ChartCandles, rowToOhlcv } from './chart-candles.service.js';
import type { ChartSignalsQueryDto, IndicatorsQueryDto, KlineQueryDto } from './dto/chart-query.dto.js';
import type {
  ChartSignalsResponseDto,
  IndicatorsResponseDto,
  KlineResponseDto,
} from './dto/chart.response.dto.js';
import { computeIndicators, parseIndicators, type IndicatorSpec } from './indicators.js';
import { strategyColumns, windowOf } from './strategy-columns.js';

/**
 * Kept in-process for repeated requests (dashboards poll the same view): computed indicators, and
 * whole exchange-served responses already serialised (the part of a cached request that cost most).
 */
const MEMO_SIZE = 256;
const RESPONSE_MEMO_SIZE = 64;

/**
 * Identifies a candle series cheaply: closed candles never change, so the range, the count and the
 * last (possibly forming) candle's values tell two series apart.
 */
function seriesKey(rows: Ohlcv[]): string {
  const last = rows.at(-1);
  return last ? `${rows.length}|${rows[0]![0]}|${last.join(',')}` : '0';
}

/** What a chart view is drawn from: the market, the indicators asked for, and its candle series. */
function viewKey(exchange: string, q: KlineQueryDto, rows: Ohlcv[], specs: IndicatorSpec[] = []): string {
  return `${exchange}|${q.pair}|${q.timeframe}|${specs.map((s) => s.key).join(',')}|${seriesKey(rows)}`;
}

/**
 * Klines, indicators on them, and the journal's signals as annotations: what a chart draws. Data
 * times carry milliseconds like every other resource's (/signals); only the envelope's own
 * `timestamp` is second-precision.
 */
@Injectable()
export class ChartsService {
  private readonly memo = new BoundedMap<string, IndicatorsResponseDto['indicators']>(MEMO_SIZE);
  private readonly responses = new BoundedMap<string, JsonFragment>(RESPONSE_MEMO_SIZE);

  constructor(
    private readonly candles: ChartCandles,
    private readonly signals: SignalsQueryService,
    private readonly strategies: StrategiesService,
    private readonly bots: RunningBotCandles,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async kline(ownerId: number, q: KlineQueryDto): Promise<JsonFragment<KlineResponseDto>> {
    const { rows, source } = await this.candles.klines(ownerId, q);
    const key = `k|${source}|${viewKey(q.exchange, q, rows)}`;
    return this.responses.getOrMake(key, () =>
      JsonFragment.of<KlineResponseDto>({
        exchange: q.exchange,
        pair: q.pair,
        timeframe: q.timeframe,
        data: rows.map(([t, open, high, low, close, volume]) => ({
          timestamp: isoTime(t),
          open,
          high,
          low,
          close,
          volume,
        })),
        source,
      }),
    ) as JsonFragment<KlineResponseDto>;
  }

  async indicators(
    ownerId: number,
    q: IndicatorsQueryDto,
  ): Promise<IndicatorsResponseDto | JsonFragment<IndicatorsResponseDto>> {
    if (q.strategy_id !== undefined) return this.strategyIndicators(ownerId, q.strategy_id, q);
    const specs = parseIndicators(q.indicators ?? ''); // a bad list fails before any exchange call
    const { rows, source } = await this.candles.klines(ownerId, q);
    const key = `i|${source}|${viewKey(q.exchange, q, rows, specs)}`;
    return this.responses.getOrMake(key, () =>
      JsonFragment.of<IndicatorsResponseDto>({
        exchange: q.exchange,
        pair: q.pair,
        timeframe: q.timeframe,
        timestamps: rows.map((r) => isoTime(r[0])),
        source,
        indicators: computeIndicators(rows, specs),
      }),
    ) as JsonFragment<IndicatorsResponseDto>;
  }

  /**
   * The strategy's own columns from its running bot, on the candles that bot analysed (only there
   * do its columns exist), plus its plot_config; standard indicators too when asked for.
   */
  private async strategyIndicators(
    ownerId: number,
    strategyId: number,
    q: IndicatorsQueryDto,
  ): Promise<IndicatorsResponseDto> {
    const specs = q.indicators ? parseIndicators(q.indicators) : [];
    await this.strategies.findOwned(ownerId, strategyId); // another user's: 404, like a missing one
    const bot = this.bots.ofStrategy(strategyId);
    if (!bot || bot.ownerId !== ownerId)
      throw new AppException('STRATEGY_NOT_RUNNING', {
        strategy_id: strategyId,
        reason: 'its indicator columns come from its running bot: start the strategy first',
      });
    const series = bot.series.find((s) => s.pair === q.pair && s.timeframe === q.timeframe);
    if (!series) {
      if (!bot.series.length)
        throw new AppException('STRATEGY_NOT_RUNNING', {
          strategy_id: strategyId,
          reason: 'its bot has not analysed any candles yet; retry in a moment',
        });
      throw new AppException('PAIR_NOT_MONITORED', {
        strategy_id: strategyId,
        pair: q.pair,
        timeframe: q.timeframe,
        monitored: bot.series.map((s) => ({ pair: s.pair, timeframe: s.timeframe })),
      });
    }
    const range = { start: q.start_time?.getTime(), end: q.end_time?.getTime(), limit: q.limit };
    // Copied out before the first await: the capture extends the series in place.
    const window = windowOf(series, range, this.clock.now());
    const candles = window.map(rowToOhlcv);
    const usable = candles.every((c): c is Ohlcv => c !== null);
    const columns = strategyColumns(window);
    const plotConfig = await bot.plotConfig();
    return {
      exchange: bot.exchange,
      pair: q.pair,
      timeframe: q.timeframe,
      timestamps: window.map((r) => isoTime(r.date as number)),
      source: 'bot',
      // A strategy that rewrote OHLCV with non-numbers leaves nothing to compute standard ones on.
      indicators: specs.length && usable ? this.compute(bot.exchange, q, specs, candles) : {},
      strategy: { strategy_id: strategyId, columns, plot_config: plotConfig },
    };
  }

  private compute(
    exchange: string,
    q: IndicatorsQueryDto,
    specs: IndicatorSpec[],
    rows: Ohlcv[],
  ): IndicatorsResponseDto['indicators'] {
    return this.memo.getOrMake(viewKey(exchange, q, rows, specs), () => computeIndicators(rows, specs));
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
        timestamp: isoTime(new Date(s.timestamp).getTime()),
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
