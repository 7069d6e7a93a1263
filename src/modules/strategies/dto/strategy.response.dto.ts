import { ApiProperty } from '@nestjs/swagger';
import {
  STRATEGY_STATUSES,
  STRATEGY_TYPES,
  type Strategy,
  type StrategyStatus,
  type StrategyType,
} from '../entities/strategy.entity.js';
import type { StrategySignalStats } from '../strategy-signal-stats.js';
import type { JsonObject } from '../../../common/types/json.js';

export class PerformanceDto {
  total_return!: number | null;
  sharpe_ratio!: number | null;
  max_drawdown!: number | null;
  win_rate!: number | null;
}

export class StrategyResponseDto {
  id!: number;
  name!: string;
  description!: string | null;
  @ApiProperty({ enum: STRATEGY_TYPES, enumName: 'StrategyType' })
  type!: StrategyType;
  @ApiProperty({ enum: STRATEGY_STATUSES, enumName: 'StrategyStatus' })
  status!: StrategyStatus;
  /** Current version (v1.0 …); null for a draft never published. */
  version!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true })
  config!: JsonObject;
  @ApiProperty({ type: 'object', additionalProperties: true })
  parameters!: JsonObject;
  tags!: string[];
  category!: string | null;
  /** Notification routing for this strategy (empty: your rules apply). */
  @ApiProperty({ type: 'object', additionalProperties: true })
  notification_overrides!: JsonObject;
  parent_strategy_id!: number | null;
  /** 0–100 while running; null otherwise. */
  health_score!: number | null;
  uptime_seconds!: number;
  signal_count_24h!: number;
  last_signal_time!: string | null;
  last_run_at!: string | null;
  last_error!: string | null;
  /** Null until a backtest evaluation fills it. */
  performance!: PerformanceDto | null;
  /** Send it back with PUT for optimistic concurrency. */
  revision!: number;
  created_at!: string;
  updated_at!: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toStrategyResponse(
  s: Strategy,
  now = Date.now(),
  stats?: StrategySignalStats,
): StrategyResponseDto {
  const hasPerformance = [s.totalReturn, s.sharpeRatio, s.maxDrawdown, s.winRate].some((v) => v !== null);
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    type: s.type,
    status: s.status,
    version: s.version,
    config: s.config,
    parameters: s.parameters,
    tags: s.tags,
    category: s.category,
    notification_overrides: s.notificationOverrides ?? {},
    parent_strategy_id: s.parentStrategyId,
    health_score: s.status === 'running' ? s.healthScore : null,
    uptime_seconds:
      s.status === 'running' && s.runningSince ? Math.floor((now - s.runningSince.getTime()) / 1000) : 0,
    signal_count_24h: stats?.count24h ?? 0,
    last_signal_time: stats?.lastSignalTime ? stats.lastSignalTime.toISOString() : null,
    last_run_at: iso(s.lastRunAt),
    last_error: s.lastError,
    performance: hasPerformance
      ? {
          total_return: s.totalReturn,
          sharpe_ratio: s.sharpeRatio,
          max_drawdown: s.maxDrawdown,
          win_rate: s.winRate,
        }
      : null,
    revision: s.revision,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}
