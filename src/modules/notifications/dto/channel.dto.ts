import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import type { JsonObject } from '../../../common/types/json.js';
import { OptionalNotNull } from '../../../common/validation/optional-not-null.decorator.js';
import { CHANNEL_TYPES, type ChannelType } from '../../../infra/channels/channel.port.js';
import { PRIORITY_LEVELS, type PriorityLevel } from '../entities/notification-channel.entity.js';

const CONFIG_DOC =
  'Per type — sms: {provider: aliyun|tencent, access_key_id, access_key_secret*, sign_name, template_code, ' +
  'phone_numbers[], sdk_app_id (tencent), region, param_names[]}; feishu: {token*, secret*}; dingtalk: ' +
  '{access_token*, secret*}; wecom: {key*}; telegram: {bot_token*, chat_id}; email: {host, port, secure, ' +
  'require_tls, username, password*, from, to[]}; webhook: {url, secret* (whsec_…)}. Fields marked * are ' +
  'secrets: responses show them as "******"; sending "******" back keeps the stored value.';

export class ChannelInputDto {
  @ApiProperty({ enum: CHANNEL_TYPES, enumName: 'ChannelType' })
  @IsIn(CHANNEL_TYPES)
  type!: ChannelType;

  /** Default true. */
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ type: 'object', additionalProperties: true, description: CONFIG_DOC })
  @IsObject()
  config!: JsonObject;

  /** Replaces the vendor's scheme://host[:port] (self-hosted gateway, emulator). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(500)
  base_url?: string | null;

  /** A proxy from your pool for this channel's traffic; null: direct. */
  @IsOptional()
  @IsInt()
  @Min(1)
  proxy_id?: number | null;

  /** The least urgent priority this channel takes; default P2 (whatever the routes send it). */
  @ApiProperty({ enum: PRIORITY_LEVELS, required: false })
  @OptionalNotNull()
  @IsIn(PRIORITY_LEVELS)
  min_level?: PriorityLevel;
}

/** The whole set of your channels: types not listed are removed. */
export class PutChannelsDto {
  @ValidateNested({ each: true })
  @Type(() => ChannelInputDto)
  @ArrayMaxSize(7)
  channels!: ChannelInputDto[];
}

export class ChannelResponseDto {
  id!: number;
  @ApiProperty({ enum: CHANNEL_TYPES, enumName: 'ChannelType' })
  type!: ChannelType;
  enabled!: boolean;
  /** Secrets masked as "******". */
  @ApiProperty({ type: 'object', additionalProperties: true })
  config!: JsonObject;
  base_url!: string | null;
  proxy_id!: number | null;
  @ApiProperty({ enum: PRIORITY_LEVELS })
  min_level!: PriorityLevel;
  updated_at!: string;
}

export class ChannelsResponseDto {
  @ApiProperty({ type: [ChannelResponseDto] })
  channels!: ChannelResponseDto[];
}

export class TestNotificationDto {
  @ApiProperty({ enum: CHANNEL_TYPES, enumName: 'ChannelType' })
  @IsIn(CHANNEL_TYPES)
  channel!: ChannelType;

  /** Free text, 1–500 characters. */
  @IsString()
  @MaxLength(500)
  message!: string;
}

export class TestNotificationResponseDto {
  id!: string;
  @ApiProperty({ enum: CHANNEL_TYPES, enumName: 'ChannelType' })
  channel!: ChannelType;
  success!: boolean;
  /** Vendor round trip in ms. */
  latency_ms!: number;
  vendor_message_id!: string | null;
  http_status!: number | null;
  /** The vendor's verdict when it failed (codes, never secrets). */
  error!: string | null;
}
