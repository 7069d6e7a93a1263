import { ApiProperty } from '@nestjs/swagger';

export class StrategyCountsDto {
  total!: number;
  /** Status → count, e.g. {"running": 2, "stopped": 3}. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { running: 2, stopped: 3 },
  })
  by_status!: Record<string, number>;
}

export class BotCountsDto {
  /** Bots this instance runs. */
  running!: number;
  /** Of those, not running right now or scoring below the health threshold. */
  unhealthy!: number;
}

export class SignalsPerDayDto {
  /** UTC day, YYYY-MM-DD. */
  date!: string;
  count!: number;
}

export class SignalCountsDto {
  total!: number;
  /** Candles of the last 24 h. */
  last_24h!: number;
  /** The last 7 UTC days including today, oldest first (by candle time). */
  per_day!: SignalsPerDayDto[];
}

export class NotificationCountsDto {
  /** Status → notifications created in the last 24 h. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { sent: 12, failed: 1 },
  })
  last_24h!: Record<string, number>;
}

export class ProxyCountsDto {
  healthy!: number;
  total!: number;
}

export class PartitionedTableDto {
  table!: string;
  partitions!: number;
  size_bytes!: number;
}

export class DatabaseStatsDto {
  size_bytes!: number;
  /** Each partitioned table (signals, …) with its partitions' total size, indexes included. */
  partitioned_tables!: PartitionedTableDto[];
}

export class CacheStatsDto {
  @ApiProperty({ enum: ['redis', 'embedded'] })
  backend!: 'redis' | 'embedded';
  /** Chart data lookups answered from the cache since start; null before the first. */
  chart_hit_ratio!: number | null;
}

export class ProcessStatsDto {
  rss_bytes!: number;
  uptime_seconds!: number;
  /** Event-loop delay, 99th percentile, ms; null when not measured yet. */
  event_loop_lag_p99_ms!: number | null;
}

export class SystemStatsResponseDto {
  timestamp!: string;
  strategies!: StrategyCountsDto;
  /** null when the freqtrade runtime is not loaded. */
  bots!: BotCountsDto | null;
  signals!: SignalCountsDto;
  /** null until the notifications module reports. */
  notifications!: NotificationCountsDto | null;
  /** null until a proxy pool is plugged in. */
  proxies!: ProxyCountsDto | null;
  database!: DatabaseStatsDto;
  cache!: CacheStatsDto;
  process!: ProcessStatsDto;
}
