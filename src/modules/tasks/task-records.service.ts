import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { ACTIVE_STATUSES, Task, type TaskStatus } from './entities/task.entity.js';

export type TaskEnd = Pick<Task, 'error' | 'errorCode' | 'result' | 'progress' | 'progressMessage'>;

/** Which active tasks to mark as interrupted. */
export interface InterruptFilter {
  /** Heartbeat older than this (or none at all). */
  staleBefore: Date;
  /** Also every active task under this worker name (a previous process of this instance). */
  worker?: string;
  /** Every active task (embedded mode at start-up: one instance by definition). */
  all?: boolean;
  /** Never these: they run here, now. */
  except: string[];
}

/**
 * The tasks table as the runner moves rows through it. Every transition is a conditional UPDATE
 * from an active status, so whoever ends a task first (the runner, a cancel on another instance,
 * the sweeper) wins and nobody overwrites a final status.
 */
@Injectable()
export class TaskRecords {
  constructor(
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private now(): Date {
    return new Date(this.clock.now());
  }

  async insert(row: Omit<QueryDeepPartialEntity<Task>, 'createdAt' | 'heartbeatAt'>): Promise<Task> {
    const now = this.now();
    await this.tasks.insert({ ...row, createdAt: now, heartbeatAt: now } as QueryDeepPartialEntity<Task>);
    return this.tasks.findOneByOrFail({ id: row.id as string });
  }

  get(id: string): Promise<Task | null> {
    return this.tasks.findOneBy({ id });
  }

  /** PENDING|RETRY → STARTED; null when the task ended meanwhile (cancelled before it began). */
  async start(id: string): Promise<Task | null> {
    const now = this.now();
    const r = await this.tasks
      .createQueryBuilder()
      .update()
      .set({ status: 'STARTED', heartbeatAt: now, startedAt: () => 'COALESCE(started_at, :now)' })
      .setParameter('now', now)
      .where({ id, status: In(['PENDING', 'RETRY']) })
      .execute();
    return r.affected ? this.get(id) : null;
  }

  /** STARTED → RETRY after a failed attempt that may be retried. */
  async retry(id: string, retries: number, end: Pick<Task, 'error' | 'errorCode'>): Promise<Task | null> {
    const r = await this.tasks.update({ id, status: 'STARTED' }, { status: 'RETRY', retries, ...end });
    return r.affected ? this.get(id) : null;
  }

  async saveProgress(id: string, progress: number, progressMessage: string | null): Promise<void> {
    await this.tasks.update({ id, status: In([...ACTIVE_STATUSES]) }, { progress, progressMessage });
  }

  /** Active → final; null when it had already ended. */
  async finish(id: string, status: TaskStatus, end: Partial<TaskEnd>): Promise<Task | null> {
    const r = await this.tasks.update(
      { id, status: In([...ACTIVE_STATUSES]) },
      { status, completedAt: this.now(), ...end },
    );
    return r.affected ? this.get(id) : null;
  }

  /** One UPDATE for all of this instance's tasks; returns the ids still active. */
  async heartbeat(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const r = await this.tasks
      .createQueryBuilder()
      .update()
      .set({ heartbeatAt: this.now() })
      .where({ id: In(ids), status: In([...ACTIVE_STATUSES]) })
      .returning(['id'])
      .execute();
    return new Set((r.raw as { id: string }[]).map((row) => row.id));
  }

  /** Marks matching active tasks FAILURE with the given reason; returns them as they are now. */
  async interrupt(f: InterruptFilter, error: string, errorCode: string): Promise<Task[]> {
    const qb = this.tasks
      .createQueryBuilder()
      .update()
      .set({ status: 'FAILURE', error, errorCode, completedAt: this.now() })
      .where({ status: In([...ACTIVE_STATUSES]) });
    if (f.except.length) qb.andWhere('id NOT IN (:...except)', { except: f.except });
    if (!f.all)
      qb.andWhere(
        new Brackets((w) => {
          w.where('heartbeat_at IS NULL').orWhere('heartbeat_at < :cutoff', { cutoff: f.staleBefore });
          if (f.worker) w.orWhere('worker = :worker', { worker: f.worker });
        }),
      );
    const r = await qb.returning(['id']).execute();
    const ids = (r.raw as { id: string }[]).map((row) => row.id);
    return ids.length ? this.tasks.findBy({ id: In(ids) }) : [];
  }
}
