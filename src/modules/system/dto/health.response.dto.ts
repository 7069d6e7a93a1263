import { ApiProperty } from '@nestjs/swagger';

export class HealthMetricsDto {
  /** Host CPU use since the previous health call, percent. */
  cpu_percent!: number;
  memory_percent!: number;
  /** Use of the filesystem holding DATA_DIR; null when it cannot be read. */
  disk_percent!: number | null;
  uptime_seconds!: number;
}

export class HealthResponseDto {
  @ApiProperty({ enum: ['healthy', 'degraded', 'unhealthy'] })
  status!: 'healthy' | 'degraded' | 'unhealthy';
  timestamp!: string;
  /** Component → status. `redis` is `embedded` when no REDIS_URL is configured. */
  @ApiProperty({
    type: 'object',
    additionalProperties: {
      type: 'string',
      enum: ['healthy', 'degraded', 'unhealthy', 'embedded', 'not_configured'],
    },
    example: { database: 'healthy', redis: 'embedded' },
  })
  components!: Record<string, string>;
  /** Per component, figures behind its status, e.g. freqtrade: active_version, bots_running, bots_unhealthy. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: true },
    example: { freqtrade: { active_version: '2025.8', bots_running: 2, bots_unhealthy: 0 } },
  })
  details!: Record<string, Record<string, unknown>>;
  metrics!: HealthMetricsDto;
}
