import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto.js';
import { IsAfter } from '../../../common/validation/is-after.decorator.js';
import { CHANNEL_TYPES, type ChannelType } from '../../../infra/channels/channel.port.js';
import {
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  type NotificationKind,
  type NotificationStatus,
} from '../entities/notification.entity.js';

export class HistoryQueryDto extends PageQueryDto {
  @ApiProperty({ enum: CHANNEL_TYPES, required: false })
  @IsOptional()
  @IsIn(CHANNEL_TYPES)
  channel?: ChannelType;

  @ApiProperty({ enum: NOTIFICATION_STATUSES, required: false })
  @IsOptional()
  @IsIn(NOTIFICATION_STATUSES)
  status?: NotificationStatus;

  @IsOptional()
  @Type(() => Date)
  @IsDate()
  start_time?: Date;

  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @IsAfter('start_time')
  end_time?: Date;

  @IsOptional()
  @IsUUID()
  signal_id?: string;
}

export class NotificationResponseDto {
  id!: string;
  @ApiProperty({ enum: CHANNEL_TYPES, enumName: 'ChannelType' })
  channel!: string;
  @ApiProperty({ enum: NOTIFICATION_KINDS })
  kind!: NotificationKind;
  @ApiProperty({ enum: NOTIFICATION_STATUSES, enumName: 'NotificationStatus' })
  status!: NotificationStatus;
  /** Why it was held, dropped or delayed: duplicate, cooldown, quiet_hours, storm, rate_limited, retry, rejected, … */
  reason!: string | null;
  signal_id!: string | null;
  strategy_id!: number | null;
  pair!: string | null;
  priority!: string;
  /** The digest that carried this row, when it was held or collapsed. */
  digest_id!: string | null;
  attempts!: number;
  next_attempt_at!: string | null;
  last_error!: string | null;
  vendor_message_id!: string | null;
  latency_ms!: number | null;
  /** The rendered message. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  message!: Record<string, unknown>;
  created_at!: string;
  sent_at!: string | null;
}

export class ChannelStatsDto {
  @ApiProperty({ enum: CHANNEL_TYPES, enumName: 'ChannelType' })
  channel!: string;
  sent!: number;
  failed!: number;
  suppressed!: number;
  dead!: number;
  pending!: number;
}

export class NotificationStatsResponseDto {
  window_hours!: number;
  @ApiProperty({ type: [ChannelStatsDto] })
  channels!: ChannelStatsDto[];
}
