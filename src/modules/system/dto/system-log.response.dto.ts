import { LOG_LEVELS, type LogLevelName, type SystemLog } from '../entities/system-log.entity.js';
import { ApiProperty } from '@nestjs/swagger';

export class SystemLogResponseDto {
  /** Bigint id as a string (it can exceed 2^53). */
  id!: string;
  @ApiProperty({ enum: LOG_LEVELS, enumName: 'LogLevel' })
  level!: LogLevelName;
  message!: string;
  module!: string | null;
  event!: string | null;
  user_id!: number | null;
  request_id!: string | null;
  ip_address!: string | null;
  user_agent!: string | null;
  metadata!: Record<string, unknown>;
  created_at!: string;
}

export function toSystemLogResponse(l: SystemLog): SystemLogResponseDto {
  return {
    id: String(l.id),
    level: l.level,
    message: l.message,
    module: l.module,
    event: l.event,
    user_id: l.userId,
    request_id: l.requestId,
    ip_address: l.ipAddress,
    user_agent: l.userAgent,
    metadata: l.metadata,
    created_at: l.createdAt.toISOString(),
  };
}
