import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Events, type TaskProgressEvent } from '../../common/events/event-map.js';
import { TaskRunner } from '../tasks/task-runner.service.js';
import { TrainingJob } from './entities/training-job.entity.js';

const INTERRUPTED = 'interrupted: the instance running it stopped';

/**
 * Keeps training jobs honest about work that died: a job whose task ended without it (its instance
 * stopped, the task sweep failed it, a cancel ended it elsewhere) ends too, with the task's reason.
 */
@Injectable()
export class TrainingRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(TrainingRecovery.name);

  constructor(
    @InjectRepository(TrainingJob) private readonly jobs: Repository<TrainingJob>,
    private readonly tasks: TaskRunner,
    private readonly events: EventEmitter2,
  ) {}

  /** Jobs whose task ended without them (the instance died while they ran) are failed with that reason. */
  async onApplicationBootstrap(): Promise<void> {
    const open = await this.jobs.find({ where: { status: In(['pending', 'running']) } });
    for (const j of open) {
      const task = j.taskId ? await this.tasks.get(j.taskId) : null;
      if (task && ['PENDING', 'STARTED', 'RETRY'].includes(task.status)) continue;
      await this.endOrphan(
        j.id,
        task?.status === 'REVOKED' ? 'cancelled' : 'failed',
        task?.error ?? INTERRUPTED,
      );
    }
  }

  /** A training task that ended before its job did (swept after its instance died, revoked elsewhere). */
  @OnEvent(Events.TaskProgress)
  async onTask(e: TaskProgressEvent): Promise<void> {
    if (e.relatedType !== 'training_job' || !e.relatedId) return;
    if (e.status !== 'FAILURE' && e.status !== 'REVOKED') return;
    await this.endOrphan(
      Number(e.relatedId),
      e.status === 'REVOKED' ? 'cancelled' : 'failed',
      e.error ?? INTERRUPTED,
    ).catch((err: unknown) => this.logger.warn(`training job ${e.relatedId}: ${(err as Error).message}`));
  }

  private async endOrphan(id: number, status: 'failed' | 'cancelled', reason: string): Promise<void> {
    const r = await this.jobs.update(
      { id, status: In(['pending', 'running']) },
      { status, errorMessage: reason.slice(0, 4000), completedAt: new Date() },
    );
    if (!r.affected) return;
    const j = await this.jobs.findOneBy({ id });
    if (j)
      this.events.emit(Events.TrainingStatus, {
        jobId: j.id,
        ownerId: j.userId,
        strategyId: j.strategyId,
        status,
        error: status === 'failed' ? reason : null,
      });
  }
}
