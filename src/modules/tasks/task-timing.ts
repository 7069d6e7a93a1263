import { hostname } from 'node:os';

/** How the runner paces itself. One value for production; tests may provide shorter ones. */
export interface TaskTiming {
  /** How often the running instance refreshes heartbeat_at of all its tasks (one UPDATE). */
  heartbeatMs: number;
  /** A task whose heartbeat is older than this is taken for dead and marked FAILURE. */
  staleAfterMs: number;
  /** How often some instance (under the Lock port) looks for such tasks. */
  sweepMs: number;
  /** Progress reaches the database at most this often (the final value always does). */
  progressWriteMs: number;
  /** First retry delay; doubles per retry up to 30 s. */
  retryBaseMs: number;
  /** How long a cancel waits for the work to stop before it marks the row REVOKED itself. */
  cancelWaitMs: number;
  /** How long shutdown waits for aborted work to stop before it marks the rows itself. */
  shutdownWaitMs: number;
}

export const TASK_TIMING = Symbol('TASK_TIMING');

export const DEFAULT_TASK_TIMING: TaskTiming = {
  heartbeatMs: 10_000,
  staleAfterMs: 60_000,
  sweepMs: 30_000,
  progressWriteMs: 500,
  retryBaseMs: 1_000,
  cancelWaitMs: 5_000,
  shutdownWaitMs: 3_000,
};

/** This instance's name in tasks.worker. */
export const TASK_WORKER_ID = Symbol('TASK_WORKER_ID');

/**
 * hostname:pid. In a container the pid is often 1 on every start, which is why a task found at
 * start-up under this very name belongs to a previous, dead process.
 */
export const defaultWorkerId = (): string => `${hostname()}:${process.pid}`.slice(0, 100);
