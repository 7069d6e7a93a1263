import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { Events } from '../../common/events/event-map.js';
import { LOCK, runExclusive, type Lock } from '../../infra/cache/cache.port.js';
import { LockName } from '../../infra/cache/lock-names.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import type { Task } from './entities/task.entity.js';
import { TaskRecords } from './task-records.service.js';
import { INTERRUPTED_DEAD_INSTANCE, TASK_INTERRUPTED, taskProgressEvent } from './task-events.js';
import { TaskAbort, TaskRunner } from './task-runner.service.js';
import { TASK_TIMING, type TaskTiming } from './task-timing.js';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Keeps the tasks table honest about which work is still alive. The running instance refreshes
 * heartbeat_at of all its tasks in one UPDATE; a task whose heartbeat lapsed (its instance died)
 * is marked FAILURE "interrupted: the instance running it stopped" — at start-up, together with
 * tasks left under this instance's own name by a previous process (and, on the embedded database,
 * which one instance owns by definition, every task left active), and periodically under a lock.
 */
@Injectable()
export class TaskLiveness implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskLiveness.name);
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;

  constructor(
    private readonly runner: TaskRunner,
    private readonly records: TaskRecords,
    private readonly events: EventEmitter2,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TASK_TIMING) private readonly timing: TaskTiming,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sweep({ atStartup: true }).catch((err: unknown) =>
      this.logger.error(`start-up sweep of interrupted tasks failed: ${errorText(err)}`),
    );
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => {
        if (!this.stopping) fn().catch((err: unknown) => this.logger.warn(errorText(err)));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.timing.heartbeatMs, () => this.heartbeat());
    every(this.timing.sweepMs, () => this.sweepExclusive());
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Refreshes this instance's tasks; one that ended elsewhere (a lost cancel, a sweep) is aborted here. */
  async heartbeat(): Promise<void> {
    const ids = this.runner.runningIds();
    if (!ids.length) return;
    const active = await this.records.heartbeat(ids);
    for (const id of ids) if (!active.has(id)) this.runner.abortLocal(id, new TaskAbort('lost'));
  }

  sweepExclusive(): Promise<Task[] | undefined> {
    return runExclusive(this.lock, LockName.TaskSweep, this.timing.sweepMs, () => this.sweep());
  }

  /** Marks the tasks of dead instances FAILURE and pushes their new status. */
  async sweep(opts: { atStartup?: boolean } = {}): Promise<Task[]> {
    const startup = opts.atStartup ?? false;
    const swept = await this.records.interrupt(
      {
        staleBefore: new Date(this.clock.now() - this.timing.staleAfterMs),
        worker: startup ? this.runner.worker : undefined,
        all: startup && this.config.database.mode === 'embedded',
        except: this.runner.runningIds(),
      },
      INTERRUPTED_DEAD_INSTANCE,
      TASK_INTERRUPTED,
    );
    for (const t of swept) this.events.emit(Events.TaskProgress, taskProgressEvent(t));
    if (swept.length)
      this.logger.warn(
        `marked ${swept.length} interrupted task(s) FAILURE: ${swept.map((t) => `${t.taskName} ${t.id}`).join(', ')}`,
      );
    return swept;
  }
}
