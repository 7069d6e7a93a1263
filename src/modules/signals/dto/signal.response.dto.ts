import { ApiProperty } from '@nestjs/swagger';
import type { JsonObject } from '../../../common/types/json.js';
import type { Signal } from '../entities/signal.entity.js';
import {
  PRIORITIES,
  SIGNAL_KINDS,
  SIGNAL_TYPES,
  STRENGTH_LEVELS,
  type Priority,
  type SignalKind,
  type SignalType,
  type StrengthLevel,
} from '../signal-classification.js';

export class SignalResponseDto {
  id!: string;
  /** Candle open time (ISO-8601 UTC). */
  timestamp!: string;
  strategy_id!: number;
  strategy_name!: string;
  strategy_version!: string;
  pair!: string;
  exchange!: string;
  timeframe!: string;
  @ApiProperty({ enum: SIGNAL_TYPES, enumName: 'SignalType' })
  signal_type!: SignalType;
  @ApiProperty({ enum: SIGNAL_KINDS, enumName: 'SignalKind' })
  kind!: SignalKind;
  strength_raw!: number;
  @ApiProperty({ enum: STRENGTH_LEVELS, enumName: 'StrengthLevel' })
  strength_level!: StrengthLevel;
  @ApiProperty({ enum: PRIORITIES, enumName: 'SignalPriority' })
  priority!: Priority;
  price!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number', nullable: true } })
  indicators!: JsonObject;
  tag!: string | null;
  freqtrade_version!: string | null;
  notification_sent!: boolean;
  notification_channels!: string[];
  /** When BTC Watcher stored it. */
  created_at!: string;
}

export function toSignalResponse(s: Signal): SignalResponseDto {
  return {
    id: s.id,
    timestamp: s.timestamp.toISOString(),
    strategy_id: s.strategyId,
    strategy_name: s.strategyName,
    strategy_version: s.strategyVersion,
    pair: s.pair,
    exchange: s.exchange,
    timeframe: s.timeframe,
    signal_type: s.signalType,
    kind: s.kind,
    strength_raw: Number(s.strengthRaw),
    strength_level: s.strengthLevel,
    priority: s.priority,
    price: Number(s.price),
    indicators: s.indicators,
    tag: s.tag,
    freqtrade_version: s.freqtradeVersion,
    notification_sent: s.notificationSent,
    notification_channels: s.notificationChannels,
    created_at: s.createdAt.toISOString(),
  };
}
