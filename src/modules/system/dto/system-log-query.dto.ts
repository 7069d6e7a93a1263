import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto.js';
import { IsAfter } from '../../../common/validation/is-after.decorator.js';
import { LOG_LEVELS, type LogLevelName } from '../entities/system-log.entity.js';

export class SystemLogQueryDto extends PageQueryDto {
  /** Exact level. */
  @IsOptional()
  @IsIn(LOG_LEVELS)
  level?: LogLevelName;

  /** Module that wrote the entry, e.g. `auth`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  module?: string;

  /** Audit event, e.g. `auth.login.failed`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  event?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/)
  request_id?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  user_id?: number;

  /** Inclusive lower bound (ISO-8601). */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  start_time?: Date;

  /** Exclusive upper bound (ISO-8601); must be after start_time. */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @IsAfter('start_time')
  end_time?: Date;
}
