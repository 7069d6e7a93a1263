import { ApiProperty } from '@nestjs/swagger';
import type { JsonObject } from '../../../common/types/json.js';
import { TRAINING_STATUSES, type TrainingJob, type TrainingStatus } from '../entities/training-job.entity.js';
import type { TrainingMetric } from '../entities/training-metric.entity.js';

export class TrainingJobCreatedDto {
  id!: number;
  name!: string;
  @ApiProperty({ enum: TRAINING_STATUSES })
  status!: TrainingStatus;
  task_id!: string | null;
  /** Seconds, from past jobs of this strategy (per epoch and candle); null until the first epochs calibrate it. */
  estimated_duration!: number | null;
}

export class TrainingJobResponseDto extends TrainingJobCreatedDto {
  description!: string | null;
  /** 0–100: epochs freqtrade saved over the epochs asked for. */
  progress!: number;
  current_epoch!: number;
  total_epochs!: number | null;
  /** The latest epoch: loss, total_profit_pct, trades, win_rate, avg_profit_pct, max_drawdown_pct, duration_s, is_best. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  metrics!: JsonObject;
  @ApiProperty({ type: 'object', additionalProperties: true })
  best_metrics!: JsonObject;
  @ApiProperty({ type: 'object', additionalProperties: true })
  config!: JsonObject;
  @ApiProperty({ type: 'object', additionalProperties: true })
  hyperparameters!: JsonObject;
  /** The tail of freqtrade's output. */
  logs!: string | null;
  error_message!: string | null;
  strategy_id!: number | null;
  strategy_version!: string | null;
  dataset_id!: number | null;
  parent_job_id!: number | null;
  freqtrade_version!: string | null;
  actual_duration!: number | null;
  freqtrade_seconds!: number | null;
  cpu_usage!: number | null;
  memory_usage!: number | null;
  created_at!: string;
  started_at!: string | null;
  completed_at!: string | null;
  estimated_completion!: string | null;

  static from(j: TrainingJob): TrainingJobResponseDto {
    const estimatedCompletion =
      j.startedAt && j.estimatedDuration !== null && j.status === 'running'
        ? new Date(j.startedAt.getTime() + j.estimatedDuration * 1000).toISOString()
        : null;
    return {
      id: j.id,
      name: j.name,
      description: j.description,
      status: j.status,
      task_id: j.taskId,
      estimated_duration: j.estimatedDuration,
      progress: j.progress,
      current_epoch: j.currentEpoch,
      total_epochs: j.totalEpochs,
      metrics: j.metrics,
      best_metrics: j.bestMetrics,
      config: j.config,
      hyperparameters: j.hyperparameters,
      logs: j.logs,
      error_message: j.errorMessage,
      strategy_id: j.strategyId,
      strategy_version: j.strategyVersion,
      dataset_id: j.datasetId,
      parent_job_id: j.parentJobId,
      freqtrade_version: j.freqtradeVersion,
      actual_duration: j.actualDuration,
      freqtrade_seconds: j.freqtradeSeconds,
      cpu_usage: j.cpuUsage,
      memory_usage: j.memoryUsage,
      created_at: j.createdAt.toISOString(),
      started_at: j.startedAt?.toISOString() ?? null,
      completed_at: j.completedAt?.toISOString() ?? null,
      estimated_completion: estimatedCompletion,
    };
  }
}

export class TrainingMetricDto {
  epoch!: number;
  @ApiProperty({ type: 'object', additionalProperties: true })
  metrics!: JsonObject;
  recorded_at!: string;

  static from(m: TrainingMetric): TrainingMetricDto {
    return { epoch: m.epoch, metrics: m.metrics, recorded_at: m.recordedAt.toISOString() };
  }
}

export class TrainingMetricsResponseDto {
  job_id!: number;
  metrics!: TrainingMetricDto[];
}

export class TrainingResultResponseDto {
  job_id!: number;
  best_epoch!: number;
  /** The `params` of freqtrade's parameter file: what apply writes into the strategy's parameters. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  parameters!: JsonObject;
  /** freqtrade's exported parameter file, as written. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  parameter_file!: JsonObject;
  /** The best epoch's backtest: freqtrade's stats (trades list left out) and its one-line explanation. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  backtest!: JsonObject;
  @ApiProperty({ type: 'object', additionalProperties: true })
  metrics!: JsonObject;
}
