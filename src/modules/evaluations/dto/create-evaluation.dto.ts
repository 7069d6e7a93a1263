import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PAIR_PATTERN, TIMEFRAMES } from '../../strategies/dto/strategy-config.dto.js';
import { EVALUATION_TYPES, type EvaluationType } from '../entities/evaluation.entity.js';

export class EvaluationConfigDto {
  /** First day tested (inclusive), e.g. `2025-01-01`; default: the dataset's first candle. */
  @IsOptional()
  @IsISO8601({ strict: true })
  start_date?: string;

  /** Last day tested (exclusive), e.g. `2025-12-31`; default: the dataset's last candle. */
  @IsOptional()
  @IsISO8601({ strict: true })
  end_date?: string;

  /** Starting balance in the pair's quote currency (freqtrade's dry_run_wallet). */
  @IsOptional()
  @IsNumber()
  @IsPositive()
  @Max(1e12)
  initial_capital?: number;

  /** Pair whose buy-and-hold is drawn beside the equity curve; default the dataset's pair. */
  @IsOptional()
  @Matches(PAIR_PATTERN, { message: 'benchmark must be a pair such as BTC/USDT' })
  benchmark?: string;

  /** Stake per trade; default: the whole balance split over max_open_trades ("unlimited"). */
  @IsOptional()
  @IsNumber()
  @IsPositive()
  stake_amount?: number;

  /** Fee per side as a fraction (0.001 = 0.1 %); default: the exchange's. */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(0.1)
  fee?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  max_open_trades?: number;

  /** Without dataset_id: the pair to download (default: the strategy's first pair). */
  @IsOptional()
  @Matches(PAIR_PATTERN, { message: 'pair must be a pair such as BTC/USDT' })
  pair?: string;

  /** Without dataset_id: the timeframe to download (default: the strategy's). */
  @IsOptional()
  @IsIn(TIMEFRAMES)
  timeframe?: string;

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
