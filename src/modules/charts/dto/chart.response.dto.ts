import { ApiProperty } from '@nestjs/swagger';
import {
  PRIORITIES,
  SIGNAL_KINDS,
  SIGNAL_TYPES,
  STRENGTH_LEVELS,
  type Priority,
  type SignalKind,
  type SignalType,
  type StrengthLevel,
} from '../../signals/signal-classification.js';
import { CANDLE_SOURCES, type CandleSource } from '../chart-candles.service.js';

const TIME_EXAMPLE = '2024-01-15T14:25:00.000Z';

export class CandleDto {
  /** Candle open time (ISO-8601 UTC, milliseconds, like every resource's times). */
  @ApiProperty({ format: 'date-time', example: TIME_EXAMPLE })
  timestamp!: string;
  open!: number;
  high!: number;
  low!: number;
  close!: number;
  volume!: number;
}

export class KlineResponseDto {
  exchange!: string;
  pair!: string;
  timeframe!: string;
  /**
   * Oldest first. From the exchange, the last one may be the candle forming now; from a running bot
   * (`source` bot), the last one is the latest closed candle, the one the strategy analysed.
   */
  data!: CandleDto[];
  /**
   * `bot`: a running strategy's bot monitors this market and its analysed candles served the whole
   * request (no exchange call); `bot+exchange`: the exchange added what the bot does not hold.
   */
  @ApiProperty({ enum: CANDLE_SOURCES, enumName: 'ChartCandleSource' })
  source!: CandleSource;
}

export class StrategyColumnsDto {
  strategy_id!: number;
  /**
   * Every numeric column of the strategy's analysed dataframe that is not OHLCV, a signal or a tag,
   * by column name, one value per timestamp; null where the dataframe has NaN.
   */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'number', nullable: true } },
    example: { rsi: [null, 41.2], ema_fast: [101.5, 101.7] },
  })
  columns!: Record<string, (number | null)[]>;
  /**
   * The strategy's `plot_config` as freqtrade reports it (`main_plot`, `subplots`; `{}` when it
   * defines none); null when its bot did not answer in time.
   */
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { main_plot: { ema_fast: { color: 'blue' } }, subplots: { RSI: { rsi: { color: 'red' } } } },
  })
  plot_config!: Record<string, unknown> | null;
}

export class IndicatorsResponseDto {
  exchange!: string;
  pair!: string;
  timeframe!: string;
  /** Candle open times the values align to (ISO-8601 UTC, milliseconds), oldest first. */
  @ApiProperty({ type: [String], format: 'date-time', example: [TIME_EXAMPLE] })
  timestamps!: string[];
  /** Where the candles came from (see the kline response). */
  @ApiProperty({ enum: CANDLE_SOURCES, enumName: 'ChartCandleSource' })
  source!: CandleSource;
  /**
   * By indicator key with every parameter (`macd:12:26:9`): its lines (`value`; macd: `macd`, `signal`,
   * `histogram`; boll: `upper`, `middle`, `lower`), one value per timestamp, null while warming up.
   */
  @ApiProperty({
    type: 'object',
    additionalProperties: {
      type: 'object',
      additionalProperties: { type: 'array', items: { type: 'number', nullable: true } },
    },
    example: { 'rsi:14': { value: [null, 41.2] } },
  })
  indicators!: Record<string, Record<string, (number | null)[]>>;
  /** With strategy_id: the strategy's own columns on the same timestamps, and how to draw them. */
  strategy?: StrategyColumnsDto;
}

export class ChartSignalDto {
  id!: string;
  /** Candle open time (ISO-8601 UTC, milliseconds, as /signals writes it): where the marker goes on the time axis. */
  @ApiProperty({ format: 'date-time', example: TIME_EXAMPLE })
  timestamp!: string;
  /** Close of the candle: where the marker goes on the price axis. */
  price!: number;
  @ApiProperty({ enum: SIGNAL_TYPES, enumName: 'SignalType' })
  signal_type!: SignalType;
  @ApiProperty({ enum: SIGNAL_KINDS, enumName: 'SignalKind' })
  kind!: SignalKind;
  @ApiProperty({ enum: STRENGTH_LEVELS, enumName: 'StrengthLevel' })
  strength_level!: StrengthLevel;
  strength_raw!: number;
  @ApiProperty({ enum: PRIORITIES, enumName: 'SignalPriority' })
  priority!: Priority;
  strategy_id!: number;
  strategy_name!: string;
  strategy_version!: string;
  tag!: string | null;
  notification_sent!: boolean;
  /** Channels it was notified on. */
  notification_channels!: string[];
}

export class ChartSignalsResponseDto {
  pair!: string;
  timeframe!: string;
  /** Oldest first. */
  signals!: ChartSignalDto[];
}
