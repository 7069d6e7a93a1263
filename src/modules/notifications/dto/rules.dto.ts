import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional-not-null.decorator.js';
import { CHANNEL_TYPES, type ChannelType } from '../../../infra/channels/channel.port.js';
import { PriorityRoutesDto } from '../../strategies/dto/notification-overrides.dto.js';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export class QuietHoursDto {
  /** HH:MM in your time zone. */
  @Matches(HHMM)
  start!: string;
  /** HH:MM; before start means the window crosses midnight. */
  @Matches(HHMM)
  end!: string;
}

export class PutRulesDto {
  /** Channel types per priority. Default P0 → sms + feishu, P1 → feishu, P2 → none (dashboard only). */
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => PriorityRoutesDto)
  routes?: PriorityRoutesDto;

  /** P1/P2 held during the window and sent as one digest when it ends; P0 passes. null: none. */
  @IsOptional()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quiet_hours?: QuietHoursDto | null;

  /** Seconds between notifications of one (strategy, pair, signal type); null: one timeframe. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 86_400)
  cooldown_seconds?: number | null;

  /** More than this many messages to one channel within a minute → the rest of it is one digest. */
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  storm_threshold?: number;
}

class RoutesResponseDto {
  @ApiProperty({ enum: CHANNEL_TYPES, isArray: true })
  P0!: ChannelType[];
  @ApiProperty({ enum: CHANNEL_TYPES, isArray: true })
  P1!: ChannelType[];
  @ApiProperty({ enum: CHANNEL_TYPES, isArray: true })
  P2!: ChannelType[];
}

export class RulesResponseDto {
  routes!: RoutesResponseDto;
  quiet_hours!: QuietHoursDto | null;
  cooldown_seconds!: number | null;
  storm_threshold!: number;
}
