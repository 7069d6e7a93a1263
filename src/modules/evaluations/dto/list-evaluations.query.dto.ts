import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto.js';
import {
  EVALUATION_STATUSES,
  EVALUATION_TYPES,
  type EvaluationStatus,
  type EvaluationType,
} from '../entities/evaluation.entity.js';

export class ListEvaluationsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(EVALUATION_STATUSES)
  status?: EvaluationStatus;

  @IsOptional()
  @IsIn(EVALUATION_TYPES)
  evaluation_type?: EvaluationType;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  strategy_id?: number;
}
