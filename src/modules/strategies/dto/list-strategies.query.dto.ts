import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto.js';
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

export class ListStrategiesQueryDto extends PageQueryDto {
  /** Items per page (1–100); 10 by default here, as the spec's strategy list has it. */
  override page_size: number = 10;

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
