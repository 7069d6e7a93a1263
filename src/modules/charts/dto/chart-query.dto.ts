import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsAfter } from '../../../common/validation/is-after.decorator.js';

export const MAX_KLINES = 1500;

/** What every chart request names: exchange, pair, timeframe and a time range. */
export class ChartRangeQueryDto {
  /** e.g. BTC/USDT (ccxt's unified symbol; futures as BTC/USDT:USDT). */
  @IsString()
  @Matches(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$/, { message: 'pair must look like BTC/USDT' })
  pair!: string;

  /** e.g. 1m, 5m, 1h, 1d (what the exchange offers). */
  @IsString()
  @Matches(/^[1-9]\d{0,3}[smhdwM]$/, { message: 'timeframe must look like 5m, 1h or 1d' })
  timeframe!: string;

  /** Candle open time from (inclusive). */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  start_time?: Date;

  /** Candle open time until (inclusive); after start_time. */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @IsAfter('start_time')
  end_time?: Date;
}

export class KlineQueryDto extends ChartRangeQueryDto {
  /** ccxt exchange id. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]{2,30}$/, { message: 'exchange must be a ccxt exchange id such as binance' })
  exchange: string = 'binance';

  /** At most 1500. With start_time: the first `limit` candles from it; otherwise the last `limit` up to end_time (or now). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_KLINES)
  limit: number = 500;
}

export class IndicatorsQueryDto extends KlineQueryDto {
  /** Comma-separated `name[:param…]`: ma:20, ema:50, rsi:14, macd:12:26:9, boll:20:2, atr:14, vol_ma:20 (omitted parameters take these defaults). Required unless strategy_id is given. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  indicators?: string;

  /** One of your running strategies: its own dataframe columns and plot_config, on its bot's candles (`exchange` is the strategy's). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  strategy_id?: number;
}

export class ChartSignalsQueryDto extends ChartRangeQueryDto {
  /** Only this strategy's signals (it may be stopped or deleted). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  strategy_id?: number;

  /** At most this many, oldest first (default 1000, at most 5000). Default range: the last 500 candles. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit: number = 1000;
}
