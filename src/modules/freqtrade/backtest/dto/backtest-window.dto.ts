import { IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsPositive, Matches, Max, Min } from 'class-validator';
import { PAIR_PATTERN, TIMEFRAMES } from '../../../strategies/dto/strategy-config.dto.js';

/**
 * The fields every request that runs freqtrade over candles shares (evaluations' backtests and
 * training's hyperopt): the time range, the wallet, and what to download when no dataset is named.
 */
export class BacktestWindowDto {
  /** First day (inclusive), e.g. `2025-01-01`; default: the dataset's first candle. */
  @IsOptional()
  @IsISO8601({ strict: true })
  start_date?: string;

  /** Last day (exclusive), e.g. `2025-12-31`; default: the dataset's last candle. */
  @IsOptional()
  @IsISO8601({ strict: true })
  end_date?: string;

  /** Starting balance in the pair's quote currency (freqtrade's dry_run_wallet). */
  @IsOptional()
  @IsNumber()
  @IsPositive()
  @Max(1e12)
  initial_capital?: number;

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
}
