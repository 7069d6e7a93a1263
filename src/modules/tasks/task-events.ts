import type { TaskProgressEvent } from '../../common/events/event-map.js';
import type { Task } from './entities/task.entity.js';

export function taskProgressEvent(t: Task): TaskProgressEvent {
  return {
    taskId: t.id,
    taskName: t.taskName,
    ownerId: t.userId,
    status: t.status,
    progress: t.progress,
    message: t.progressMessage,
    relatedType: t.relatedType,
    relatedId: t.relatedId,
    error: t.error,
  };
}

/** The error_code of a task that ended because its instance stopped or is stopping. */
export const TASK_INTERRUPTED = 'TASK_INTERRUPTED';
export const INTERRUPTED_DEAD_INSTANCE = 'interrupted: the instance running it stopped';
export const INTERRUPTED_SHUTDOWN = 'interrupted: server shutting down';
