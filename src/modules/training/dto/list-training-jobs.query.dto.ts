import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto.js';
import { TRAINING_STATUSES, type TrainingStatus } from '../entities/training-job.entity.js';

export class ListTrainingJobsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(TRAINING_STATUSES)
  status?: TrainingStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  strategy_id?: number;
}

export class TrainingMetricsQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  start_epoch?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  end_epoch?: number;
}
