import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional } from 'class-validator';
import { LOG_LEVELS, type LogLevelName } from '../../../common/logging/log-levels.js';
import { PageQueryDto } from '../../../common/pagination/page-query.dto.js';
import { IsAfter } from '../../../common/validation/is-after.decorator.js';

export class StrategyLogsQueryDto extends PageQueryDto {
  /** This level and above. */
  @IsOptional()
  @IsIn(LOG_LEVELS)
  level?: LogLevelName;

  @IsOptional()
  @Type(() => Date)
  @IsDate()
  start_time?: Date;

  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @IsAfter('start_time')
  end_time?: Date;
}
