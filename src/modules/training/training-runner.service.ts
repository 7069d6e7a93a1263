import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { AppException } from '../../common/errors/app.exception.js';
import { Events } from '../../common/events/event-map.js';
import type { JsonObject } from '../../common/types/json.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { GroupUsageSampler } from '../../infra/process/process-group-usage.js';
import type { HyperoptEpoch } from '../freqtrade/hyperopt/fthypt.js';
import { epochMetrics } from '../freqtrade/hyperopt/fthypt.js';
import { HyperoptFailed, runHyperopt, type HyperoptInput } from '../freqtrade/hyperopt/hyperopt-runner.js';
import type { TaskContext } from '../tasks/task-runner.service.js';
import { TrainingJob, type TrainingStatus } from './entities/training-job.entity.js';
import { TrainingMetric } from './entities/training-metric.entity.js';

const HYPEROPT_TIMEOUT_MS = 6 * 60 * 60_000;
const QUEUE_POLL_MS = 500;
const LOG_TAIL_LINES = 60;
const CALIBRATION_EPOCHS = 3;
const USAGE_EVERY_MS = 2_000;

/** Everything the hyperopt run needs except the job's own progress hooks. */
export type PreparedRun = Omit<HyperoptInput, 'workdir' | 'signal' | 'onSpawn' | 'onLine' | 'onEpoch'>;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Runs one training job as its task's work: waits for a slot (at most TRAINING_MAX_CONCURRENT
 * running, oldest pending first), runs freqtrade hyperopt, and records every epoch freqtrade saves
 * — a training_metrics row, the job's progress and figures, a `training_progress` event.
 */
@Injectable()
export class TrainingRunner {
  private readonly logger = new Logger(TrainingRunner.name);

  constructor(
    @InjectRepository(TrainingJob) private readonly jobs: Repository<TrainingJob>,
    @InjectRepository(TrainingMetric) private readonly metricRows: Repository<TrainingMetric>,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventEmitter2,
  ) {}

  dir(id: number): string {
    return path.join(this.config.paths.dataDir, 'training', String(id));
  }

  /**
   * Claims a running slot for the job, atomically: no more than the limit run, and no older job
   * is still waiting. The table lock makes concurrent claims (other instances) take turns.
   */
  private async claim(job: TrainingJob): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query('LOCK TABLE training_jobs IN SHARE ROW EXCLUSIVE MODE');
      const rows = (await tx.query(
        `UPDATE training_jobs SET status = 'running', started_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'pending'
            AND (SELECT count(*) FROM training_jobs WHERE status = 'running') < $2
            AND NOT EXISTS (SELECT 1 FROM training_jobs WHERE status = 'pending' AND id < $1)
          RETURNING started_at`,
        [job.id, this.config.training.maxConcurrent],
      )) as [Array<{ started_at: Date }>, number] | Array<{ started_at: Date }>;
      const list = Array.isArray(rows[0])
        ? (rows[0] as Array<{ started_at: Date }>)
        : (rows as Array<{ started_at: Date }>);
      if (!list.length) return false;
      job.status = 'running';
      job.startedAt = new Date(list[0]!.started_at);
      return true;
    });
  }

  private emitStatus(job: TrainingJob, status: TrainingStatus, error: string | null = null): void {
    this.events.emit(Events.TrainingStatus, {
      jobId: job.id,
      ownerId: job.userId,
      strategyId: job.strategyId,
      status,
      error,
    });
  }

  async run(job: TrainingJob, ctx: TaskContext, prepare: () => Promise<PreparedRun>): Promise<JsonObject> {
    const started = performance.now();
    try {
      for (;;) {
        ctx.signal.throwIfAborted();
        if (await this.claim(job)) break;
        ctx.progress(0, 'queued: waiting for a training slot');
        await sleep(QUEUE_POLL_MS, ctx.signal);
      }
      this.emitStatus(job, 'running');
      const run = await prepare();
      return await this.optimise(job, run, ctx, started);
    } catch (err) {
      const cancelled = ctx.signal.aborted;
      const message = cancelled ? 'cancelled' : (err as Error).message;
      const status: TrainingStatus = cancelled ? 'cancelled' : 'failed';
      await this.jobs
        .update(job.id, {
          status,
          errorMessage: message.slice(0, 4000),
          completedAt: new Date(),
          ...(job.startedAt ? { actualDuration: Math.round((performance.now() - started) / 1000) } : {}),
          ...(err instanceof HyperoptFailed ? { logs: err.lastLines.slice(-LOG_TAIL_LINES).join('\n') } : {}),
        })
        .catch((e: unknown) => this.logger.error(`training job ${job.id}: ${(e as Error).message}`));
      this.emitStatus(job, status, cancelled ? null : message);
      if (err instanceof HyperoptFailed && !cancelled)
        throw new AppException('HYPEROPT_FAILED', { last_lines: err.lastLines.slice(-10) }, err.message);
      throw err;
    }
  }

  private async optimise(
    job: TrainingJob,
    run: PreparedRun,
    ctx: TaskContext,
    t0: number,
  ): Promise<JsonObject> {
    const total = run.epochs;
    const logs: string[] = [];
    let sampler: GroupUsageSampler | null = null;
    let usage: { cpu: number | null; mem: number | null } = { cpu: null, mem: null };
    let lastSample = 0;
    let lastEpochAt = performance.now();
    let firstEpochAt: number | null = null;
    let best: JsonObject = {};

    const onEpoch = async (e: HyperoptEpoch) => {
      const now = performance.now();
      const metrics = epochMetrics(e, (now - lastEpochAt) / 1000);
      lastEpochAt = now;
      firstEpochAt ??= now;
      if (e.is_best) best = { epoch: e.current_epoch, ...metrics };
      if (sampler && now - lastSample >= USAGE_EVERY_MS) {
        lastSample = now;
        const u = await sampler.sample().catch(() => null);
        if (u) usage = { cpu: u.cpuPercent ?? usage.cpu, mem: u.memoryPercent };
      }
      const progress = Math.min(100, Math.round((e.current_epoch / total) * 10_000) / 100);
      const patch: Partial<TrainingJob> = {
        currentEpoch: e.current_epoch,
        progress,
        metrics: { epoch: e.current_epoch, ...metrics },
        bestMetrics: best,
        logs: logs.slice(-LOG_TAIL_LINES).join('\n'),
        cpuUsage: usage.cpu,
        memoryUsage: usage.mem,
        actualDuration: Math.round((now - t0) / 1000),
      };
      // No past pace known: calibrate on the first epochs (after freqtrade's start-up).
      if (job.estimatedDuration === null && e.current_epoch === CALIBRATION_EPOCHS + 1) {
        const perEpoch = (now - firstEpochAt) / 1000 / CALIBRATION_EPOCHS;
        job.estimatedDuration = Math.round((now - t0) / 1000 + perEpoch * (total - e.current_epoch));
        patch.estimatedDuration = job.estimatedDuration;
      }
      await this.metricRows
        .createQueryBuilder()
        .insert()
        .values({ trainingJobId: job.id, epoch: e.current_epoch, metrics })
        .orIgnore()
        .execute();
      await this.jobs.update(job.id, patch as QueryDeepPartialEntity<TrainingJob>);
      ctx.progress(progress, `epoch ${e.current_epoch}/${total}`);
      this.events.emit(Events.TrainingProgress, {
        jobId: job.id,
        ownerId: job.userId,
        strategyId: job.strategyId,
        progress,
        currentEpoch: e.current_epoch,
        totalEpochs: total,
        metrics: { epoch: e.current_epoch, ...metrics },
      });
    };

    const out = await runHyperopt({
      ...run,
      workdir: path.join(this.dir(job.id), 'run'),
      signal: ctx.signal,
      timeoutMs: HYPEROPT_TIMEOUT_MS,
      onSpawn: (pid) => (sampler = new GroupUsageSampler(pid)),
      onLine: (line) => {
        logs.push(line);
        if (logs.length > LOG_TAIL_LINES * 2) logs.splice(0, LOG_TAIL_LINES);
      },
      onEpoch,
    });
    const seconds = (performance.now() - t0) / 1000;
    let result: JsonObject | null = null;
    if (out.best && out.paramsFileContent) {
      const { trades: _trades, ...stats } = out.best.results_metrics;
      result = {
        best_epoch: out.best.current_epoch,
        parameter_file: out.paramsFileContent,
        parameters: (out.paramsFileContent.params ?? {}) as JsonObject,
        backtest: { ...stats, explanation: out.best.results_explanation.trim() } as JsonObject,
        metrics: best,
      };
      await mkdir(this.dir(job.id), { recursive: true });
      await writeFile(path.join(this.dir(job.id), 'result.json'), JSON.stringify(result, null, 2));
    }
    const patch: Partial<TrainingJob> = {
      status: 'completed',
      progress: 100,
      totalEpochs: total,
      bestMetrics: best,
      modelPath: out.paramsFile,
      logs: out.tail.slice(-LOG_TAIL_LINES).join('\n'),
      freqtradeSeconds: Math.round(out.freqtradeSeconds * 100) / 100,
      actualDuration: Math.round(seconds),
      completedAt: new Date(),
      // Freqtrade found nothing better than its maximal loss: say so, the job itself succeeded.
      errorMessage: result ? null : `No good result found in ${out.epochs} epochs`,
    };
    await this.jobs.update(job.id, patch as QueryDeepPartialEntity<TrainingJob>);
    this.emitStatus(job, 'completed');
    ctx.progress(100, 'completed');
    return {
      training_job_id: job.id,
      epochs: out.epochs,
      best_epoch: out.best?.current_epoch ?? null,
      freqtrade_seconds: Math.round(out.freqtradeSeconds * 100) / 100,
      seconds: Math.round(seconds * 100) / 100,
    };
  }
}
