import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JsonObject } from '../../../common/types/json.js';
import { DATASET_STATUSES, type Dataset, type DatasetStatus } from '../entities/dataset.entity.js';

export class DatasetColumnDto {
  name!: string;
  type!: string;
  description!: string;
}

/** The answer of an upload or a preprocess: processing goes on as a task. */
export class DatasetCreatedDto {
  id!: number;
  name!: string;
  @ApiProperty({ enum: DATASET_STATUSES })
  status!: DatasetStatus;
  /** The upload is complete when this answer comes (100). */
  upload_progress!: number;
  processing_progress!: number;
  /** The processing task: GET /tasks/{id}, `task_progress` over the socket. */
  task_id!: string | null;
}

export class DownloadStartedDto {
  task_id!: string;
  @ApiProperty({ type: [DatasetCreatedDto] })
  datasets!: DatasetCreatedDto[];
}

export class DatasetResponseDto {
  id!: number;
  name!: string;
  description!: string | null;
  @ApiProperty({ enum: DATASET_STATUSES })
  status!: DatasetStatus;
  error_message!: string | null;
  exchange!: string;
  pair!: string;
  timeframe!: string;
  first_candle_at!: string | null;
  last_candle_at!: string | null;
  file_size!: number | null;
  file_type!: string | null;
  row_count!: number | null;
  column_count!: number | null;
  @ApiProperty({ type: [DatasetColumnDto], nullable: true })
  columns!: DatasetColumnDto[] | null;
  /** numerical_summary, missing_values, data_types, candles (gaps, duplicates, OHLC violations), parse. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  statistics!: JsonObject | null;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    nullable: true,
  })
  sample_data!: JsonObject[] | null;
  /** False when prices were normalised or values are missing: freqtrade cannot backtest it. */
  backtestable!: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  lineage!: JsonObject | null;
  task_id!: string | null;
  created_at!: string;
  updated_at!: string;
  processed_at!: string | null;

  static from(d: Dataset): DatasetResponseDto {
    return {
      id: d.id,
      name: d.name,
      description: d.description,
      status: d.status,
      error_message: d.errorMessage,
      exchange: d.exchange,
      pair: d.pair,
      timeframe: d.timeframe,
      first_candle_at: d.firstCandleAt?.toISOString() ?? null,
      last_candle_at: d.lastCandleAt?.toISOString() ?? null,
      file_size: d.fileSize,
      file_type: d.fileType,
      row_count: d.rowCount,
      column_count: d.columnCount,
      columns: d.columns,
      statistics: d.statistics,
      sample_data: d.sampleData,
      backtestable: d.backtestable,
      lineage: d.lineage,
      task_id: d.taskId,
      created_at: d.createdAt.toISOString(),
      updated_at: d.updatedAt.toISOString(),
      processed_at: d.processedAt?.toISOString() ?? null,
    };
  }
}
