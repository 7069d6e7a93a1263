import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IntersectionType } from '@nestjs/swagger';
import { PageQueryDto } from '../../../common/pagination/page-query.dto.js';
import { IsAfter } from '../../../common/validation/is-after.decorator.js';
import {
  PRIORITIES,
  SIGNAL_TYPES,
  STRENGTH_LEVELS,
  type Priority,
  type SignalType,
  type StrengthLevel,
} from '../signal-classification.js';

export class SignalFiltersDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  strategy_id?: number;

  /** e.g. BTC/USDT */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/, { message: 'pair must look like BTC/USDT' })
  pair?: string;

  @IsOptional()
  @IsIn(SIGNAL_TYPES)
  signal_type?: SignalType;

  @IsOptional()
  @IsIn(STRENGTH_LEVELS)
  strength_level?: StrengthLevel;

  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: Priority;

  /** Candle time from (inclusive). */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  start_time?: Date;

  /** Candle time until (exclusive); after start_time. */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @IsAfter('start_time')
  end_time?: Date;
}

/** The filters plus page/page_size (PageQueryDto's rules). */
export class ListSignalsQueryDto extends IntersectionType(SignalFiltersDto, PageQueryDto) {
  /** From a previous response's next_cursor: continues after it (keyset paging for deep scrolling; page is ignored). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class SignalStatsQueryDto {
  @IsOptional()
  @IsIn(['1h', '24h', '7d', '30d'])
  window: '1h' | '24h' | '7d' | '30d' = '24h';
}

export class ExportSignalsQueryDto extends SignalFiltersDto {
  @IsOptional()
  @IsIn(['csv', 'jsonl'])
  format: 'csv' | 'jsonl' = 'csv';
}
