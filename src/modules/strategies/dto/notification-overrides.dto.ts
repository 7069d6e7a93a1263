import { Type } from 'class-transformer';
import { ArrayMaxSize, IsBoolean, IsIn, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { CHANNEL_TYPES, type ChannelType } from '../../../infra/channels/channel.port.js';

export class PriorityRoutesDto {
  @IsOptional() @ArrayMaxSize(7) @IsIn(CHANNEL_TYPES, { each: true }) P0?: ChannelType[];
  @IsOptional() @ArrayMaxSize(7) @IsIn(CHANNEL_TYPES, { each: true }) P1?: ChannelType[];
  @IsOptional() @ArrayMaxSize(7) @IsIn(CHANNEL_TYPES, { each: true }) P2?: ChannelType[];
}

/** Replaces the owner's notification rules for one strategy, field by field. */
export class NotificationOverridesDto {
  /** Channels per priority for this strategy's signals. */
  @IsOptional()
  @ValidateNested()
  @Type(() => PriorityRoutesDto)
  routes?: PriorityRoutesDto;

  /** true: this strategy's signals notify nobody (they still reach the dashboard). */
  @IsOptional()
  @IsBoolean()
  muted?: boolean;

  /** Seconds between notifications of one (pair, signal type); default one timeframe. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 86_400)
  cooldown_seconds?: number;
}
