import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppException } from '../../common/errors/app.exception.js';
import { Events } from '../../common/events/event-map.js';
import type { JsonObject } from '../../common/types/json.js';
import { PUBSUB, type PubSub, type Unsubscribe } from '../../infra/cache/cache.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { Metrics } from '../../infra/metrics/metrics.js';
import { isActive, type Task, type TaskStatus } from './entities/task.entity.js';
import { toTaskResponse, type TaskResponseDto } from './dto/task.response.dto.js';
import { ProgressWriter } from './progress-writer.js';
import { TaskRecords, type TaskEnd } from './task-records.service.js';
import { INTERRUPTED_SHUTDOWN, TASK_INTERRUPTED, taskProgressEvent } from './task-events.js';
import { TASK_TIMING, TASK_WORKER_ID, type TaskTiming } from './task-timing.js';

/**
 * What to run. `args` are stored and returned by GET /tasks: never put secrets in them.
 * `userId` null (the default) makes a system task, visible to every user and pushed to all.
 * `maxRetries` (default 0) re-runs the work after a failure, with a doubling delay.
 */
export interface TaskSpec {
  taskName: string;
  args?: JsonObject;
  userId?: number | null;
  relatedType?: string | null;
  relatedId?: string | null;
  maxRetries?: number;
}

/** Handed to the work function. */
export interface TaskContext {
  readonly taskId: string;
  /**
   * Aborted on cancel and on shutdown. The work owns its child processes and must stop them when
   * it fires: `spawn(cmd, args, { signal: ctx.signal })`, or a listener that kills the child.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress: percent 0–100 (null keeps the last one) and an optional message. Every call
   * is pushed to clients as `task_progress`; the row is written at most every 500 ms.
   */
  progress(percent: number | null, message?: string): void;
}

/**
 * The work. Resolves with the result (stored as `result`, SUCCESS); a throw ends the task in
 * FAILURE with the error's message (and an AppException's code in `error_code`), or RETRY while
 * retries remain; when ctx.signal has fired the task ends REVOKED (cancel) whatever the work does.
 */
export type TaskWork = (ctx: TaskContext) => Promise<JsonObject | void>;

/** Why a run was aborted: a cancel (→ REVOKED), shutdown (→ FAILURE), or the row ended elsewhere. */
export class TaskAbort extends Error {
  constructor(readonly kind: 'cancel' | 'shutdown' | 'lost') {
    super(`task aborted: ${kind}`);
  }
}

interface Running {
  task: Task;
  controller: AbortController;
  done: Promise<void>;
}

const CANCEL_CHANNEL = 'tasks:cancel';
const MAX_RETRIES = 10;
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 4000);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * The one task runner: every long-running job (installs, compatibility checks, upgrades,
 * backtests, hyperopt) is submitted here and becomes a row in `tasks`.
 *
 *   submit(spec, work) → the row as created (PENDING); the work starts at once in the background.
 *   wait(taskId)       → the final row once the task has ended (polls when another instance runs it).
 *   cancel(taskId, userId?) → aborts ctx.signal and ends the task REVOKED; with userId, only that
 *                        user's task (404 TASK_NOT_FOUND otherwise); 409 TASK_NOT_CANCELLABLE
 *                        when it has already ended. Works across instances (PubSub port).
 *
 * PENDING → STARTED → SUCCESS | FAILURE | RETRY (→ STARTED …) | REVOKED. A task cut short by
 * shutdown ends FAILURE "interrupted: server shutting down" (not REVOKED: nobody asked for it to
 * stop, and the client should know it may submit it again). Heartbeats and the sweep of tasks
 * whose instance died live in TaskLiveness.
 */
@Injectable()
export class TaskRunner implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskRunner.name);
  private readonly running = new Map<string, Running>();
  private unsubscribe?: Unsubscribe;
  private stopping = false;

  constructor(
    private readonly records: TaskRecords,
    private readonly events: EventEmitter2,
    @Inject(PUBSUB) private readonly pubsub: PubSub,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TASK_WORKER_ID) readonly worker: string,
    @Inject(TASK_TIMING) private readonly timing: TaskTiming,
    private readonly metrics: Metrics,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.pubsub.subscribe(CANCEL_CHANNEL, (raw) => {
      // Every instance hears every cancel; only the one running the task acts on it.
      const taskId = (JSON.parse(raw) as { taskId?: unknown }).taskId;
      if (typeof taskId === 'string') this.abortLocal(taskId, new TaskAbort('cancel'));
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  async submit(spec: TaskSpec, work: TaskWork): Promise<TaskResponseDto> {
    if (this.stopping) throw new AppException('SERVICE_UNAVAILABLE', undefined, 'Server is shutting down');
    const task = await this.records.insert({
      id: randomUUID(),
      taskName: checked(spec.taskName, 255, 'taskName', false)!,
      status: 'PENDING',
      args: spec.args ?? {},
      userId: spec.userId ?? null,
      relatedType: checked(spec.relatedType, 50, 'relatedType'),
      relatedId: checked(spec.relatedId, 64, 'relatedId'),
      maxRetries: Math.max(0, Math.min(MAX_RETRIES, Math.trunc(spec.maxRetries ?? 0))),
      worker: this.worker,
    });
    this.emit(task);
    const entry = { task, controller: new AbortController() } as Running;
    this.running.set(task.id, entry);
    entry.done = this.run(entry, work);
    return toTaskResponse(task);
  }

  /** The task as stored now, or null when there is no such task. */
  async get(taskId: string): Promise<TaskResponseDto | null> {
    const task = await this.records.get(taskId);
    return task ? toTaskResponse(task) : null;
  }

  async wait(taskId: string): Promise<TaskResponseDto> {
    const local = this.running.get(taskId);
    if (local) await local.done;
    for (;;) {
      const task = await this.records.get(taskId);
      if (!task) throw new AppException('TASK_NOT_FOUND', { id: taskId });
      if (!isActive(task.status)) return toTaskResponse(task);
      await sleep(250);
    }
  }

  async cancel(taskId: string, userId?: number | null): Promise<TaskResponseDto> {
    const task = await this.records.get(taskId);
    if (!task || (userId != null && task.userId !== userId))
      throw new AppException('TASK_NOT_FOUND', { id: taskId });
    if (!isActive(task.status)) throw new AppException('TASK_NOT_CANCELLABLE', { status: task.status });
    const local = this.running.get(taskId);
    if (local) {
      local.controller.abort(new TaskAbort('cancel'));
      await Promise.race([local.done, sleep(this.timing.cancelWaitMs)]);
    } else if (this.alive(task)) {
      await this.pubsub.publish(CANCEL_CHANNEL, JSON.stringify({ taskId }));
      await this.untilEnded(taskId, this.timing.cancelWaitMs);
    }
    // Nobody ended it in time (its instance is gone, or the work ignores its signal): do it here.
    const revoked = await this.records.finish(taskId, 'REVOKED', {});
    if (revoked) this.emit(revoked);
    return toTaskResponse(revoked ?? (await this.records.get(taskId))!);
  }

  /** Ids of the tasks this instance runs now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Aborts a task if it runs here; false otherwise. */
  abortLocal(taskId: string, reason: TaskAbort): boolean {
    const local = this.running.get(taskId);
    local?.controller.abort(reason);
    return !!local;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const entries = [...this.running.values()];
    if (!entries.length) return;
    for (const e of entries) e.controller.abort(new TaskAbort('shutdown'));
    await Promise.race([Promise.all(entries.map((e) => e.done)), sleep(this.timing.shutdownWaitMs)]);
    for (const id of this.running.keys()) {
      const t = await this.records
        .finish(id, 'FAILURE', { error: INTERRUPTED_SHUTDOWN, errorCode: TASK_INTERRUPTED })
        .catch(() => null);
      if (t) this.emit(t);
    }
  }

  private alive(task: Task): boolean {
    const beat = task.heartbeatAt?.getTime() ?? 0;
    return this.clock.now() - beat < this.timing.staleAfterMs;
  }

  private async untilEnded(taskId: string, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const t = await this.records.get(taskId);
      if (!t || !isActive(t.status)) return;
      await sleep(100);
    }
  }

  private emit(task: Task): void {
    this.events.emit(Events.TaskProgress, taskProgressEvent(task));
  }

  /** Runs the work (and its retries) to a final status. Never rejects. */
  private async run(entry: Running, work: TaskWork): Promise<void> {
    const { task, controller } = entry;
    const writer = new ProgressWriter(
      () => this.records.saveProgress(task.id, task.progress, task.progressMessage),
      () => this.clock.now(),
      this.timing.progressWriteMs,
      (err) => this.logger.warn(`progress of task ${task.id} not saved: ${errorText(err)}`),
    );
    const ctx: TaskContext = {
      taskId: task.id,
      signal: controller.signal,
      progress: (percent, message) => {
        if (!isActive(task.status)) return;
        if (percent !== null && Number.isFinite(percent))
          task.progress = Math.max(0, Math.min(100, Math.round(percent)));
        if (message !== undefined) task.progressMessage = message.slice(0, 500);
        this.emit(task);
        writer.changed();
      },
    };
    try {
      await this.attempts(entry, work, ctx, writer);
    } catch (err) {
      // The database failed us; the sweep will end the row once its heartbeat lapses.
      this.logger.error(`task ${task.id} (${task.taskName}) could not be recorded: ${errorText(err)}`);
    } finally {
      await writer.close();
      this.running.delete(task.id);
    }
  }

  private async attempts(entry: Running, work: TaskWork, ctx: TaskContext, writer: ProgressWriter) {
    const { task, controller } = entry;
    const signal = controller.signal;
    let firstStart: number | null = null;
    const end = async (status: TaskStatus, fields: Partial<TaskEnd>) => {
      if (firstStart !== null)
        this.metrics.taskFinished(task.taskName, status, (this.clock.now() - firstStart) / 1000);
      await writer.close();
      const done = await this.records.finish(task.id, status, {
        progress: task.progress,
        progressMessage: task.progressMessage,
        ...fields,
      });
      if (done) Object.assign(task, done);
      if (done) this.emit(done);
    };
    for (;;) {
      if (signal.aborted) return this.ended(signal, end);
      const started = await this.records.start(task.id);
      if (!started) return; // ended elsewhere before it began (a cancel)
      Object.assign(task, started);
      firstStart ??= this.clock.now();
      this.emit(task);
      writer.reopen();
      try {
        const result = await work(ctx);
        if (signal.aborted) return this.ended(signal, end);
        return end('SUCCESS', { result: result ?? null, progress: 100 });
      } catch (err) {
        if (signal.aborted) return this.ended(signal, end);
        const failure = failureOf(err);
        if (task.retries >= task.maxRetries) return end('FAILURE', failure);
        await writer.close();
        const retrying = await this.records.retry(task.id, task.retries + 1, failure);
        if (!retrying) return;
        Object.assign(task, retrying);
        this.emit(task);
        const delay = Math.min(30_000, this.timing.retryBaseMs * 2 ** (task.retries - 1));
        await abortableSleep(delay, signal);
      }
    }
  }

  private ended(signal: AbortSignal, end: (s: TaskStatus, f: Partial<TaskEnd>) => Promise<void>) {
    const reason = signal.reason instanceof TaskAbort ? signal.reason.kind : 'cancel';
    if (reason === 'lost') return Promise.resolve();
    if (reason === 'shutdown')
      return end('FAILURE', { error: INTERRUPTED_SHUTDOWN, errorCode: TASK_INTERRUPTED });
    return end('REVOKED', {});
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function failureOf(err: unknown): Pick<TaskEnd, 'error' | 'errorCode' | 'result'> {
  if (err instanceof AppException)
    return {
      error: errorText(err),
      errorCode: err.code,
      result: err.details === undefined ? null : { details: err.details as JsonObject },
    };
  return { error: errorText(err), errorCode: null, result: null };
}

function checked(v: string | null | undefined, max: number, name: string, optional = true): string | null {
  if (v === undefined || v === null) {
    if (optional) return null;
    throw new TypeError(`TaskSpec.${name} is required`);
  }
  if (!v.length || v.length > max) throw new TypeError(`TaskSpec.${name} must be 1–${max} characters`);
  return v;
}
