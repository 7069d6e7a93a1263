import { Type } from 'class-transformer';
import { IsInt, Max, Min, ValidateNested } from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional-not-null.decorator.js';

/** A host name, IPv4 or IPv6 address (no scheme, no port, no credentials). */
export const HOST_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:.]+)$/;

export const DEFAULT_TEST_URL = 'https://api.binance.com/api/v3/ping';
export const HEALTH_CHECK_DEFAULTS = { interval_seconds: 3600, timeout_seconds: 10, retry_count: 3 } as const;

export class HealthCheckDto {
  /** Seconds between scheduled checks (≥ 30). Default 3600. */
  @OptionalNotNull()
  @IsInt()
  @Min(30)
  @Max(86400)
  interval_seconds?: number;

  /** Seconds one check may take (1–60). Default 10. */
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(60)
  timeout_seconds?: number;

  /** Failed checks in a row that make the proxy unhealthy (0–10; 0 counts as 1). Default 3. */
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(10)
  retry_count?: number;
}

export const HealthCheckField = () => (target: object, key: string) => {
  OptionalNotNull()(target, key);
  ValidateNested()(target, key);
  Type(() => HealthCheckDto)(target, key);
};
