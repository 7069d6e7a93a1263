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

/** Every field optional; absent fields keep their value, `******` as password keeps the stored one. */
export class UpdateProxyDto {
  @OptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @OptionalNotNull()
  @IsIn(PROXY_TYPES)
  type?: ProxyKind;

  @OptionalNotNull()
  @IsString()
  @MaxLength(255)
  @Matches(HOST_PATTERN, { message: 'host must be a host name or an IP address' })
  host?: string;

  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  /** null or '' removes it. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  username?: string | null;

  /** `******` (what responses show) keeps the stored password; null or '' removes it. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  password?: string | null;

  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(1000)
  priority?: number;

  @OptionalNotNull()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2000)
  test_url?: string;

  @HealthCheckField()
  health_check?: HealthCheckDto;
}
