import { ApiProperty } from '@nestjs/swagger';
import type { ProxyUser } from '../../../infra/http/proxy-users.js';
import { maskSecret } from '../../../infra/crypto/secret-mask.js';
import {
  PROXY_STATUSES,
  PROXY_TYPES,
  type ProxyKind,
  type ProxyServer,
  type ProxyStatus,
} from '../entities/proxy.entity.js';

export class HealthCheckSettingsDto {
  interval_seconds!: number;
  timeout_seconds!: number;
  retry_count!: number;
}

export class ProxyUserDto {
  /** `strategy`, `channel`, … */
  type!: string;
  id!: number;
  name!: string;
}

export class ProxyResponseDto {
  id!: number;
  name!: string;
  @ApiProperty({ enum: PROXY_TYPES, enumName: 'ProxyType' })
  type!: ProxyKind;
  host!: string;
  port!: number;
  username!: string | null;
  /** `******` when a password is stored, null otherwise; never the password. */
  password!: string | null;
  enabled!: boolean;
  priority!: number;
  test_url!: string;
  health_check!: HealthCheckSettingsDto;
  @ApiProperty({ enum: PROXY_STATUSES, enumName: 'ProxyStatus' })
  status!: ProxyStatus;
  last_check_at!: string | null;
  /** Of the last successful check. */
  latency_ms!: number | null;
  /** Percentage of the last 100 checks that succeeded; null before the first check. */
  success_rate!: number | null;
  /** Why the last check failed (stage and message), null after a success. */
  last_error!: string | null;
  /** Strategies and notification channels that name this proxy as their own. */
  in_use_by!: ProxyUserDto[];
  created_at!: string;
  updated_at!: string;
}

export function toProxyResponse(
  p: ProxyServer,
  successRate: number | null,
  users: ProxyUser[],
): ProxyResponseDto {
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    host: p.host,
    port: p.port,
    username: p.username,
    password: maskSecret(p.passwordSealed),
    enabled: p.enabled,
    priority: p.priority,
    test_url: p.testUrl,
    health_check: {
      interval_seconds: p.checkIntervalSeconds,
      timeout_seconds: p.checkTimeoutSeconds,
      retry_count: p.retryCount,
    },
    status: p.status,
    last_check_at: p.lastCheckAt ? p.lastCheckAt.toISOString() : null,
    latency_ms: p.latencyMs,
    success_rate: successRate,
    last_error: p.lastError,
    in_use_by: users.map((u) => ({ type: u.type, id: u.id, name: u.name })),
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}
