import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto.js';
import { TASK_STATUSES, type TaskStatus } from '../entities/task.entity.js';

export class ListTasksQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  /** Exact task name, e.g. `freqtrade.install`. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,255}$/, { message: 'task_name may hold letters, digits and . _ : -' })
  task_name?: string;

  /** What the tasks are about, e.g. `freqtrade_version`. */
  @IsOptional()
  @IsString()
  @MaxLength(50)
  related_type?: string;

  /** With related_type: which one, e.g. `2025.8`. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  related_id?: string;
}
