import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { BacktestWindowDto } from '../../freqtrade/backtest/dto/backtest-window.dto.js';
import { PAIR_PATTERN } from '../../strategies/dto/strategy-config.dto.js';
import { EVALUATION_TYPES, type EvaluationType } from '../entities/evaluation.entity.js';

export class EvaluationConfigDto extends BacktestWindowDto {
  /** Pair whose buy-and-hold is drawn beside the equity curve; default the dataset's pair. */
  @IsOptional()
  @Matches(PAIR_PATTERN, { message: 'benchmark must be a pair such as BTC/USDT' })
  benchmark?: string;

  /** Strategy version to test (default: the current one). */
  @IsOptional()
  @IsString()
  @Matches(/^v\d+\.\d+(\.\d+)?$/, { message: 'version looks like v1.2' })
  version?: string;

  /** comparison: other strategies tested on the same data (besides strategy_id). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsInt({ each: true })
  strategy_ids?: number[];

  /** comparison: versions of strategy_id tested side by side. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(/^v\d+\.\d+(\.\d+)?$/, { each: true, message: 'each version looks like v1.2' })
  versions?: string[];
}

export class CreateEvaluationDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @IsIn(EVALUATION_TYPES)
  evaluation_type!: EvaluationType;

  @IsInt()
  @Min(1)
  strategy_id!: number;

  /**
   * The candles to test on (a ready, backtestable dataset). Without it, a backtest downloads
   * `config.pair` (default the strategy's first pair) at `config.timeframe` (default the strategy's)
   * for `config.start_date`–`end_date` first, and keeps that as a new dataset.
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  dataset_id?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => EvaluationConfigDto)
  config?: EvaluationConfigDto;
}
