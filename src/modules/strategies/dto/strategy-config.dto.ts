import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional-not-null.decorator.js';
import type { JsonObject } from '../../../common/types/json.js';

/** freqtrade's timeframes. */
export const TIMEFRAMES = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const;
export const PAIR_PATTERN = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/;

export class ProxySettingsDto {
  @IsBoolean()
  enabled!: boolean;

  /** The proxy to use while it is healthy (the pool takes over otherwise); one of your proxies. */
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  proxy_id?: number;

  /**
   * When no proxy is healthy: `hold` (default) keeps to the proxy and never goes direct; `direct`
   * reaches the exchange without a proxy until one is healthy again.
   */
  @OptionalNotNull()
  @IsIn(['hold', 'direct'])
  when_unavailable?: 'hold' | 'direct';
}

export class SignalThresholdsDto {
  /** Strength at or above which a signal is strong (P0). Default 80. */
  @IsNumber()
  @Min(0)
  @Max(100)
  strong_threshold!: number;

  /** Default 50. */
  @IsNumber()
  @Min(0)
  @Max(100)
  medium_threshold!: number;

  /** Below this a signal is counted but not stored. Default 20. */
  @IsNumber()
  @Min(0)
  @Max(100)
  weak_threshold!: number;
}

/**
 * A strategy's monitor configuration. Every field is optional here so that drafts can hold partial
 * configs with the right types; publishing and creating check completeness and the cross-field rules
 * (StrategyConfigValidator). Unknown keys are rejected by the global validation pipe.
 */
export class StrategyConfigDto {
  /** Python class name of the IStrategy subclass. */
  @OptionalNotNull()
  @IsString()
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, { message: 'strategy_class must be a Python identifier' })
  strategy_class?: string;

  /** Path of the .py file relative to STRATEGIES_DIR (or upload the source with PUT /strategies/{id}/source). */
  @OptionalNotNull()
  @IsString()
  @MaxLength(500)
  strategy_file?: string;

  @OptionalNotNull()
  @IsIn(TIMEFRAMES)
  timeframe?: (typeof TIMEFRAMES)[number];

  /** 1–200 unique BASE/QUOTE pairs sharing one quote currency. */
  @OptionalNotNull()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ArrayUnique()
  @Matches(PAIR_PATTERN, { each: true, message: 'each pair must look like BTC/USDT' })
  pair_whitelist?: string[];

  /** A ccxt exchange id; default binance. */
  @OptionalNotNull()
  @IsString()
  @Matches(/^[a-z0-9_]{2,40}$/)
  exchange?: string;

  @OptionalNotNull()
  @ValidateNested()
  @Type(() => ProxySettingsDto)
  proxy_settings?: ProxySettingsDto;

  @OptionalNotNull()
  @ValidateNested()
  @Type(() => SignalThresholdsDto)
  signal_thresholds?: SignalThresholdsDto;

  /** Dataframe column holding the 0–100 strength; default signal_strength. */
  @OptionalNotNull()
  @IsString()
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/)
  strength_column?: string;

  /** Strength used when the column is absent or NaN; default 50. */
  @OptionalNotNull()
  @IsNumber()
  @Min(0)
  @Max(100)
  default_strength?: number;

  /** Dataframe columns stored with each signal (default: numeric non-OHLCV columns, up to 32). */
  @OptionalNotNull()
  @ArrayMaxSize(32)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, { each: true })
  indicator_columns?: string[];

  /** Per-strategy notification settings, used by the notifications module. */
  @OptionalNotNull()
  @IsObject()
  notification_overrides?: JsonObject;
}

export const DEFAULT_THRESHOLDS = { strong_threshold: 80, medium_threshold: 50, weak_threshold: 20 } as const;
