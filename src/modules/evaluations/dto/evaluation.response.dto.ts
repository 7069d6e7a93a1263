import { ApiProperty } from '@nestjs/swagger';
import type { JsonObject } from '../../../common/types/json.js';
import {
  EVALUATION_STATUSES,
  EVALUATION_TYPES,
  type Evaluation,
  type EvaluationStatus,
  type EvaluationType,
} from '../entities/evaluation.entity.js';

export class EvaluationResponseDto {
  id!: number;
  name!: string;
  @ApiProperty({ enum: EVALUATION_TYPES })
  evaluation_type!: EvaluationType;
  @ApiProperty({ enum: EVALUATION_STATUSES })
  status!: EvaluationStatus;
  @ApiProperty({ type: 'object', additionalProperties: true })
  config!: JsonObject;
  strategy_id!: number | null;
  dataset_id!: number | null;
  /** total_return, annual_return, sharpe_ratio, max_drawdown (percent), win_rate (fraction), profit_factor, … */
  @ApiProperty({ type: 'object', additionalProperties: true })
  results!: JsonObject;
  /** `{type, data, config}`: equity_curve, drawdown, monthly_returns, benchmark, … */
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  charts!: JsonObject[];
  /** The HTML report, once completed. */
  report_url!: string | null;
  error_message!: string | null;
  freqtrade_version!: string | null;
  task_id!: string | null;
  start_date!: string | null;
  end_date!: string | null;
  created_at!: string;
  updated_at!: string;
  completed_at!: string | null;

  static from(e: Evaluation, opts: { withCharts: boolean }): EvaluationResponseDto {
    return {
      id: e.id,
      name: e.name,
      evaluation_type: e.evaluationType,
      status: e.status,
      config: e.config,
      strategy_id: e.strategyId,
      dataset_id: e.datasetId,
      results: e.results,
      charts: opts.withCharts ? e.charts : [],
      report_url: e.reportPath ? `/api/v1/evaluations/${e.id}/report` : null,
      error_message: e.errorMessage,
      freqtrade_version: e.freqtradeVersion,
      task_id: e.taskId,
      start_date: e.startDate?.toISOString() ?? null,
      end_date: e.endDate?.toISOString() ?? null,
      created_at: e.createdAt.toISOString(),
      updated_at: e.updatedAt.toISOString(),
      completed_at: e.completedAt?.toISOString() ?? null,
    };
  }
}
