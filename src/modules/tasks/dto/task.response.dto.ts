import { ApiProperty } from '@nestjs/swagger';
import type { JsonObject } from '../../../common/types/json.js';
import { TASK_STATUSES, type Task, type TaskStatus } from '../entities/task.entity.js';

export class TaskResponseDto {
  id!: string;
  /** What kind of work, e.g. `freqtrade.install`. */
  task_name!: string;
  @ApiProperty({ enum: TASK_STATUSES, enumName: 'TaskStatus' })
  status!: TaskStatus;
  /** The inputs the task was submitted with. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  args!: JsonObject;
  /** What a successful task produced; after a failure whose error carried details, `{details}`. */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  result!: JsonObject | null;
  /** Why it failed or was interrupted. */
  error!: string | null;
  /** The error code of a failure, e.g. `TASK_INTERRUPTED`; null when the failure had none. */
  error_code!: string | null;
  /** 0–100. */
  progress!: number;
  progress_message!: string | null;
  retries!: number;
  max_retries!: number;
  /** The instance that runs or ran it (hostname:pid). */
  worker!: string | null;
  /** Null for a system task. */
  user_id!: number | null;
  related_type!: string | null;
  related_id!: string | null;
  created_at!: string;
  started_at!: string | null;
  completed_at!: string | null;
  heartbeat_at!: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toTaskResponse(t: Task): TaskResponseDto {
  return {
    id: t.id,
    task_name: t.taskName,
    status: t.status,
    args: t.args,
    result: t.result,
    error: t.error,
    error_code: t.errorCode,
    progress: t.progress,
    progress_message: t.progressMessage,
    retries: t.retries,
    max_retries: t.maxRetries,
    worker: t.worker,
    user_id: t.userId,
    related_type: t.relatedType,
    related_id: t.relatedId,
    created_at: t.createdAt.toISOString(),
    started_at: iso(t.startedAt),
    completed_at: iso(t.completedAt),
    heartbeat_at: iso(t.heartbeatAt),
  };
}
