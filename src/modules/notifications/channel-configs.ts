import { plainToInstance } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  validateSync,
} from 'class-validator';
import { AppException } from '../../common/errors/app.exception.js';
import { flattenValidationErrors } from '../../common/validation/validation.pipe.js';
import type { ChannelType } from '../../infra/channels/channel.port.js';

// One class per channel type. Secret fields are optional here: on an update the mask (or nothing)
// keeps the stored value; `requiredSecrets` says which must exist once stored.

const PARAM_NAMES = [
  'strategy',
  'version',
  'pair',
  'side',
  'strength',
  'level',
  'price',
  'timeframe',
  'time',
];

class SmsConfig {
  @IsIn(['aliyun', 'tencent'])
  provider!: 'aliyun' | 'tencent';
  @IsString() @Length(1, 128) access_key_id!: string;
  @IsOptional() @IsString() @Length(1, 256) access_key_secret?: string;
  @IsString() @Length(1, 64) sign_name!: string;
  @IsString() @Length(1, 64) template_code!: string;
  /** E.164 or bare mainland numbers. */
  @ArrayMinSize(1) @ArrayMaxSize(20) @Matches(/^\+?\d{6,15}$/, { each: true }) phone_numbers!: string[];
  /** Tencent only: the SmsSdkAppId. */
  @IsOptional() @IsString() @Length(1, 32) sdk_app_id?: string;
  @IsOptional() @IsString() @Length(1, 32) region?: string;
  /** Template variables in order (Tencent) or by name (Aliyun); default strategy, pair, side, strength. */
  @IsOptional() @ArrayMaxSize(9) @IsIn(PARAM_NAMES, { each: true }) param_names?: string[];
}

class FeishuConfig {
  /** The last path segment of the bot's webhook URL. */
  @IsOptional() @IsString() @Length(1, 200) token?: string;
  /** Signature-verification secret, if the bot has one. */
  @IsOptional() @IsString() @Length(1, 200) secret?: string;
}

class DingtalkConfig {
  @IsOptional() @IsString() @Length(1, 200) access_token?: string;
  @IsOptional() @IsString() @Length(1, 200) secret?: string;
}

class WecomConfig {
  @IsOptional() @IsString() @Length(1, 200) key?: string;
}

class TelegramConfig {
  @IsOptional() @IsString() @Matches(/^\d+:[A-Za-z0-9_-]+$/) bot_token?: string;
  @IsString() @Matches(/^(-?\d+|@[A-Za-z0-9_]{4,64})$/) chat_id!: string;
}

class EmailConfig {
  @IsString() @Length(1, 253) host!: string;
  @IsInt() @Min(1) @Max(65535) port!: number;
  /** true: implicit TLS (465); false: STARTTLS when offered. */
  @IsOptional() @IsBoolean() secure?: boolean;
  @IsOptional() @IsBoolean() require_tls?: boolean;
  @IsOptional() @IsString() @MaxLength(200) username?: string;
  @IsOptional() @IsString() @MaxLength(200) password?: string;
  @IsEmail() from!: string;
  @ArrayMinSize(1) @ArrayMaxSize(20) @IsEmail({}, { each: true }) to!: string[];
}

class WebhookConfig {
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }) url!: string;
  /** Standard Webhooks secret `whsec_<base64>`; generate one with 32 random bytes. */
  @IsOptional() @IsString() @Matches(/^whsec_[A-Za-z0-9+/=]{16,}$/) secret?: string;
}

const SCHEMAS: Record<ChannelType, new () => object> = {
  sms: SmsConfig,
  feishu: FeishuConfig,
  dingtalk: DingtalkConfig,
  wecom: WecomConfig,
  telegram: TelegramConfig,
  email: EmailConfig,
  webhook: WebhookConfig,
};

/** The config fields that are secrets, per type: sealed at rest, masked in responses. */
export const SECRET_FIELDS: Record<ChannelType, string[]> = {
  sms: ['access_key_secret'],
  feishu: ['token', 'secret'],
  dingtalk: ['access_token', 'secret'],
  wecom: ['key'],
  telegram: ['bot_token'],
  email: ['password'],
  webhook: ['secret'],
};

/** Secrets a channel cannot work without (checked after the mask was resolved). */
export const REQUIRED_SECRETS: Record<ChannelType, string[]> = {
  sms: ['access_key_secret'],
  feishu: ['token'],
  dingtalk: ['access_token'],
  wecom: ['key'],
  telegram: ['bot_token'],
  email: [],
  webhook: [],
};

/** Validates `config` against its type's schema; unknown fields are refused. Throws VALIDATION_ERROR. */
export function validateChannelConfig(
  type: ChannelType,
  config: Record<string, unknown>,
  path: string,
): void {
  const instance = plainToInstance(SCHEMAS[type], config);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    throw new AppException(
      'VALIDATION_ERROR',
      flattenValidationErrors(errors).map((e) => ({ ...e, field: `${path}.${e.field}` })),
    );
  }
  if (type === 'sms' && config.provider === 'tencent' && !config.sdk_app_id) {
    throw new AppException('VALIDATION_ERROR', [
      { field: `${path}.sdk_app_id`, message: 'sdk_app_id is required for provider tencent' },
    ]);
  }
}
