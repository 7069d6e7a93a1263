import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional-not-null.decorator.js';
import { PROXY_TYPES, type ProxyKind } from '../entities/proxy.entity.js';
import { HealthCheckDto, HealthCheckField, HOST_PATTERN } from './proxy-fields.dto.js';

export class CreateProxyDto {
  /** Unique among your proxies, 1–100 characters. */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @IsIn(PROXY_TYPES)
  type!: ProxyKind;

  /** Host name or IP address of the proxy. */
  @IsString()
  @MaxLength(255)
  @Matches(HOST_PATTERN, { message: 'host must be a host name or an IP address' })
  host!: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  username?: string | null;

  /** Stored encrypted; responses show `******`, which sent back keeps the stored one; null or '' removes it. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  password?: string | null;

  /** Default true when created. */
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  /** 1 is tried first. Default 1 when created. */
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(1000)
  priority?: number;

  /** What a check requests through the proxy. Default Binance's ping when created. */
  @OptionalNotNull()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2000)
  test_url?: string;

  @HealthCheckField()
  health_check?: HealthCheckDto;
}
