import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PAIR_PATTERN, TIMEFRAMES } from '../../strategies/dto/strategy-config.dto.js';

/** The form fields of POST /data/upload beside `file`. */
export class UploadDatasetDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** The market the candles are of, e.g. `BTC/USDT`. */
  @IsString()
  @Matches(PAIR_PATTERN, { message: 'pair must look like BTC/USDT' })
  pair!: string;

  @IsIn(TIMEFRAMES)
  timeframe!: (typeof TIMEFRAMES)[number];

  /** ccxt exchange id; default `binance`. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]{2,30}$/, { message: 'exchange must be a ccxt exchange id such as binance' })
  exchange?: string;
}
