import { ApiProperty } from '@nestjs/swagger';
import { LOG_LEVELS, type LogLevelName } from '../../../common/logging/log-levels.js';
import { LOG_SOURCES, type LogSource, type StrategyLog } from '../entities/strategy-log.entity.js';

export class StrategyLogResponseDto {
  id!: string;
  timestamp!: string;
  @ApiProperty({ enum: LOG_LEVELS, enumName: 'LogLevel' })
  level!: LogLevelName;
  @ApiProperty({ enum: LOG_SOURCES })
  source!: LogSource;
  message!: string;
}

export function toLogResponse(l: StrategyLog): StrategyLogResponseDto {
  return {
    id: String(l.id),
    timestamp: l.timestamp.toISOString(),
    level: l.level,
    source: l.source,
    message: l.message,
  };
}
