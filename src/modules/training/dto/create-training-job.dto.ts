import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { JsonObject } from '../../../common/types/json.js';
import {
  HYPEROPT_LOSSES,
  HYPEROPT_SPACES,
  type HyperoptSpace,
} from '../../freqtrade/hyperopt/hyperopt-runner.js';
import { BacktestWindowDto } from '../../freqtrade/backtest/dto/backtest-window.dto.js';

/** What to optimise, in freqtrade hyperopt's terms. */
export class TrainingConfigDto extends BacktestWindowDto {
  /** freqtrade's parameter spaces; `default` = buy, sell, roi, stoploss. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(8)
  @IsIn(HYPEROPT_SPACES, { each: true })
  spaces!: HyperoptSpace[];

  /** freqtrade's loss class, e.g. SharpeHyperOptLoss. */
  @IsIn(HYPEROPT_LOSSES)
  hyperopt_loss!: string;

  /** Epochs with fewer trades get freqtrade's maximal loss (default 1). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  min_trades?: number;

  /** Fixes optuna's sampler: the same data and state give the same epochs. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  random_state?: number;
}

export class CreateTrainingJobDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsInt()
  @Min(1)
  strategy_id!: number;

  /** The candles (a ready, backtestable dataset); without it, config.start_date–end_date are downloaded. */
  @IsOptional()
  @IsInt()
  @Min(1)
  dataset_id?: number;

  /** Continue from this job's best parameters (they are loaded before optimising). */
  @IsOptional()
  @IsInt()
  @Min(1)
  parent_job_id?: number;

  @ValidateNested()
  @Type(() => TrainingConfigDto)
  config!: TrainingConfigDto;

  /** `epochs` (required), `early_stop`, `analyze_per_epoch`, `ignore_missing_spaces`, `enable_protections` (protection space). */
  @IsObject()
  hyperparameters!: JsonObject;
}
