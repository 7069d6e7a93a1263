import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from '../../../common/pagination/page-query.dto.js';
import {
  STRATEGY_STATUSES,
  STRATEGY_TYPES,
  type StrategyStatus,
  type StrategyType,
} from '../entities/strategy.entity.js';

export const STRATEGY_SORTS = [
  'created_at',
  '-created_at',
  'updated_at',
  '-updated_at',
  'name',
  '-name',
  'status',
  '-status',
] as const;

export class ListStrategiesQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  /** Default 10 (spec), max 100. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size: number = 10;

  @IsOptional()
  @IsIn(STRATEGY_STATUSES)
  status?: StrategyStatus;

  @IsOptional()
  @IsIn(STRATEGY_TYPES)
  type?: StrategyType;

  /** Case-insensitive match in name or description. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  /** Field to sort by, `-` for descending. Default -created_at. */
  @IsOptional()
  @IsIn(STRATEGY_SORTS)
  sort: (typeof STRATEGY_SORTS)[number] = '-created_at';
}
