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

export class CandleDto {
  /** Candle open time (ISO-8601 UTC). */
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
  /** Oldest first; the last one may be the candle forming now. */
  data!: CandleDto[];
}

export class IndicatorsResponseDto {
  exchange!: string;
  pair!: string;
  timeframe!: string;
  /** Candle open times the values align to (ISO-8601 UTC), oldest first. */
  timestamps!: string[];
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
}

export class ChartSignalDto {
  id!: string;
  /** Candle open time (ISO-8601 UTC): where the marker goes on the time axis. */
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
