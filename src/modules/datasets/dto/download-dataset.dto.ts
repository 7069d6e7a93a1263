import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
} from 'class-validator';
import { PAIR_PATTERN, TIMEFRAMES } from '../../strategies/dto/strategy-config.dto.js';

export class DownloadDatasetDto {
  /** ccxt exchange id; default `binance`. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]{2,30}$/, { message: 'exchange must be a ccxt exchange id such as binance' })
  exchange?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Matches(PAIR_PATTERN, { each: true, message: 'each pair must look like BTC/USDT' })
  pairs!: string[];

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsIn(TIMEFRAMES, { each: true })
  timeframes!: string[];

  /** First day (UTC), e.g. `2025-01-01`. */
  @IsISO8601({ strict: true })
  start_time!: string;

  /** Last day (exclusive); default: now. */
  @IsOptional()
  @IsISO8601({ strict: true })
  end_time?: string;
}
