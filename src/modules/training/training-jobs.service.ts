import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Between, In, LessThanOrEqual, MoreThanOrEqual, Repository } from 'typeorm';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import type { JsonObject } from '../../common/types/json.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ProxySelector } from '../../infra/http/proxy-selector.js';
import { DatasetsService, type Dataset } from '../datasets/datasets.service.js';
import { ccxtProxyConfig } from '../freqtrade/bot/bot-config.js';
import { exchangeUrlOverrides } from '../freqtrade/bot/exchange-urls.js';
import { hyperoptPreflight } from '../freqtrade/hyperopt/hyperopt-preflight.js';
import { FreqtradeInstallationsService } from '../freqtrade/install/freqtrade-installations.service.js';
import { toStrategyResponse } from '../strategies/dto/strategy.response.dto.js';
import { StrategiesService, type Strategy } from '../strategies/strategies.service.js';
import { StrategyLifecycleService } from '../strategies/strategy-lifecycle.service.js';
import { StrategyVersionWriter } from '../strategies/strategy-version-writer.service.js';
import { TaskRunner } from '../tasks/task-runner.service.js';
import type { CreateTrainingJobDto } from './dto/create-training-job.dto.js';
import type {
  ListTrainingJobsQueryDto,
  TrainingMetricsQueryDto,
} from './dto/list-training-jobs.query.dto.js';
import {
  TrainingJobCreatedDto,
  TrainingJobResponseDto,
  TrainingMetricDto,
  type TrainingMetricsResponseDto,
  type TrainingResultResponseDto,
} from './dto/training-job.response.dto.js';
import { TrainingJob, isTrainingActive } from './entities/training-job.entity.js';
import { TrainingMetric } from './entities/training-metric.entity.js';
import { validateHyperparameters } from './hyperparameters.js';
import { TrainingRunner, type PreparedRun } from './training-runner.service.js';
import { apply as applyResult } from './training-apply.js';

/**
 * Training jobs: freqtrade hyperopt runs that optimise a strategy's parameters, run as tasks by
 * TrainingRunner. The best epoch's parameter file becomes a new strategy version on apply.
 */
@Injectable()
export class TrainingJobsService implements OnModuleInit {
  constructor(
    @InjectRepository(TrainingJob) private readonly jobs: Repository<TrainingJob>,
    @InjectRepository(TrainingMetric) private readonly metricRows: Repository<TrainingMetric>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly strategies: StrategiesService,
    private readonly lifecycle: StrategyLifecycleService,
    private readonly versions: StrategyVersionWriter,
    private readonly datasets: DatasetsService,
    private readonly freqtrade: FreqtradeInstallationsService,
    private readonly tasks: TaskRunner,
    private readonly proxies: ProxySelector,
    private readonly runner: TrainingRunner,
  ) {}

  async create(user: AuthUser, dto: CreateTrainingJobDto): Promise<TrainingJobCreatedDto> {
    const cfg = dto.config;
    const hp = validateHyperparameters(dto.hyperparameters, cfg.spaces);
    const strategy = await this.strategies.findOwned(user.id, dto.strategy_id);
    const parent = dto.parent_job_id ? await this.findOwned(user.id, dto.parent_job_id) : null;
    const start = cfg.start_date ? new Date(cfg.start_date) : null;
    const end = cfg.end_date ? new Date(cfg.end_date) : null;
    if (start && end && start >= end)
      throw new AppException('VALIDATION_ERROR', [
        { field: 'config.end_date', message: 'end_date must be after start_date' },
      ]);
    if (parent && parent.strategyId !== strategy.id)
      throw new AppException('VALIDATION_ERROR', [
        { field: 'parent_job_id', message: `job ${parent.id} optimised another strategy` },
      ]);
    const parentParams = parent ? ((await this.resultOf(parent)).parameters as JsonObject) : null;
    const ft = await this.freqtrade.requireActive();
    const spec = await this.lifecycle.specOf(strategy);
    const source = spec.source ?? (spec.sourceFile ? await readFile(spec.sourceFile, 'utf8') : null);
    const className = typeof spec.config.strategy_class === 'string' ? spec.config.strategy_class : null;
    if (!source || !className)
      throw new AppException(
        'STRATEGY_LOAD_FAILED',
        { id: strategy.id },
        'The strategy has no source to optimise',
      );
    const env = this.config.freqtrade.childEnv;
    const check = await hyperoptPreflight({
      bin: ft.bin,
      env,
      strategyClass: className,
      source,
      spaces: cfg.spaces,
    });
    if (check.kind === 'missing_extras')
      throw new AppException('TRAINING_UNAVAILABLE', {
        missing: check.modules,
        hint:
          ft.source === 'managed'
            ? `Reinstall freqtrade ${ft.version} from BTC Watcher (POST /api/v1/freqtrade/install): installs now carry the hyperopt extra`
            : `Install the extra into FREQTRADE_BIN's environment: pip install "freqtrade[hyperopt]==${ft.version}"`,
      });
    if (check.kind === 'load_error')
      throw new AppException('STRATEGY_LOAD_FAILED', { reason: check.message });
    if (check.kind === 'not_optimisable')
      throw new AppException(
        'STRATEGY_NOT_OPTIMISABLE',
        { reasons: check.reasons, parameters: check.parameters },
        check.reasons[0],
      );

    const { dataset, downloadTaskId } = await this.dataFor(user, strategy, dto);
    const row = await this.jobs.save(
      this.jobs.create({
        name: dto.name,
        description: dto.description ?? null,
        status: 'pending',
        config: {
          ...cfg,
          ...(dataset.rowCount ? { candles: dataset.rowCount } : {}),
        } as unknown as JsonObject,
        hyperparameters: { ...hp } as unknown as JsonObject,
        totalEpochs: hp.epochs,
        strategyId: strategy.id,
        strategyVersion: spec.version,
        datasetId: dataset.id,
        userId: user.id,
        parentJobId: parent?.id ?? null,
        freqtradeVersion: ft.version,
        estimatedDuration: await this.estimate(strategy.id, dataset, hp.epochs),
      }),
    );
    const prepare = async (): Promise<PreparedRun> => {
      let ds = dataset;
      if (downloadTaskId) {
        await this.tasks.wait(downloadTaskId);
        ds = await this.datasets.findOwned(user.id, dataset.id);
        if (ds.status !== 'ready')
          throw new AppException('DATASET_NOT_READY', { id: ds.id }, `download failed: ${ds.errorMessage}`);
      }
      const urls = await exchangeUrlOverrides(ft.bin, ds.exchange, this.config.exchangeUrlOverrides, env);
      // hyperopt loads the exchange's markets: through the pool like the bots.
      const proxy = await this.proxies.select({ ownerId: user.id, usePool: true });
      return {
        bin: ft.bin,
        env,
        strategyClass: className,
        source,
        parameters: parentParams,
        exchange: ds.exchange,
        pairs: [ds.pair],
        timeframe: ds.timeframe,
        datadir: path.dirname(ds.filePath),
        dataFormat: 'json',
        timerange: `${ymd(start ?? ds.firstCandleAt)}-${ymd(end ?? ds.lastCandleAt, true)}`,
        stakeCurrency: ds.pair.split('/')[1]!,
        stakeAmount: cfg.stake_amount ?? 'unlimited',
        startingBalance: cfg.initial_capital ?? 1000,
        maxOpenTrades: cfg.max_open_trades ?? 1,
        fee: cfg.fee ?? null,
        ccxtConfig: { ...(urls ? { urls: { api: urls } } : {}), ...ccxtProxyConfig(proxy) },
        spaces: cfg.spaces,
        loss: cfg.hyperopt_loss,
        epochs: hp.epochs,
        minTrades: cfg.min_trades ?? 1,
        randomState: cfg.random_state ?? null,
        jobs: this.config.training.hyperoptJobs,
        earlyStop: hp.early_stop,
        analyzePerEpoch: hp.analyze_per_epoch,
        ignoreMissingSpaces: hp.ignore_missing_spaces,
        enableProtections: hp.enable_protections,
      };
    };
    const task = await this.tasks.submit(
      {
        taskName: 'training.hyperopt',
        args: { training_job_id: row.id },
        userId: user.id,
        relatedType: 'training_job',
        relatedId: String(row.id),
      },
      (ctx) => this.runner.run(row, ctx, prepare),
    );
    row.taskId = task.id;
    await this.jobs.update(row.id, { taskId: task.id });
    return {
      id: row.id,
      name: row.name,
      status: 'pending',
      task_id: task.id,
      estimated_duration: row.estimatedDuration,
    };
  }

  /** A dataset named, or the range downloaded first (kept as a dataset, as evaluations do). */
  private async dataFor(
    user: AuthUser,
    strategy: Strategy,
    dto: CreateTrainingJobDto,
  ): Promise<{ dataset: Dataset; downloadTaskId: string | null }> {
    const cfg = dto.config;
    if (dto.dataset_id !== undefined) {
      const dataset = await this.datasets.findOwned(user.id, dto.dataset_id);
      if (dataset.status !== 'ready')
        throw new AppException('DATASET_NOT_READY', { id: dataset.id, status: dataset.status });
      if (!dataset.backtestable)
        throw new AppException(
          'DATASET_NOT_BACKTESTABLE',
          { id: dataset.id },
          'The dataset has missing values or normalised prices; fill_missing (or use the original) first',
        );
      return { dataset, downloadTaskId: null };
    }
    const field = (f: string, message: string) =>
      new AppException('VALIDATION_ERROR', [{ field: f, message }]);
    if (!cfg.start_date)
      throw field('config.start_date', 'without dataset_id, start_date says what to download');
    const pairs = Array.isArray(strategy.config.pair_whitelist)
      ? strategy.config.pair_whitelist.map(String)
      : [];
    const pair = cfg.pair ?? pairs[0];
    const timeframe =
      cfg.timeframe ??
      (typeof strategy.config.timeframe === 'string' ? strategy.config.timeframe : undefined);
    if (!pair) throw field('config.pair', 'the strategy names no pair: give config.pair');
    if (!timeframe) throw field('config.timeframe', 'the strategy names no timeframe: give config.timeframe');
    const exchange = typeof strategy.config.exchange === 'string' ? strategy.config.exchange : undefined;
    const dl = await this.datasets.download(user.id, {
      exchange,
      pairs: [pair],
      timeframes: [timeframe],
      start_time: cfg.start_date,
      end_time: cfg.end_date,
    });
    return {
      dataset: await this.datasets.findOwned(user.id, dl.datasets[0]!.id),
      downloadTaskId: dl.task_id,
    };
  }

  /**
   * From this strategy's finished jobs: seconds per epoch per candle, times this job's candles and
   * epochs. Null without history (the runner then calibrates on the first epochs).
   */
  private async estimate(strategyId: number, dataset: Dataset, epochs: number): Promise<number | null> {
    const past = await this.jobs.find({
      where: { strategyId, status: In(['completed', 'cancelled']) },
      order: { id: 'DESC' },
      take: 5,
    });
    const rates: number[] = [];
    for (const j of past) {
      const candles = typeof j.config.candles === 'number' ? j.config.candles : null;
      if (!j.actualDuration || !j.currentEpoch || !candles) continue;
      rates.push(j.actualDuration / j.currentEpoch / candles);
    }
    const candles = dataset.rowCount;
    if (!rates.length || !candles) return null;
    const rate = rates.reduce((a, b) => a + b, 0) / rates.length;
    return Math.max(1, Math.round(rate * candles * epochs));
  }

  async list(userId: number, q: ListTrainingJobsQueryDto): Promise<Page<TrainingJobResponseDto>> {
    const where = {
      userId,
      ...(q.status ? { status: q.status } : {}),
      ...(q.strategy_id ? { strategyId: q.strategy_id } : {}),
    };
    const [items, total] = await this.jobs.findAndCount({
      where,
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: offsetOf(q),
      take: q.page_size,
    });
    return new Page(
      'jobs',
      items.map((j) => TrainingJobResponseDto.from(j)),
      q.page,
      q.page_size,
      total,
    );
  }

  async get(userId: number, id: number): Promise<TrainingJobResponseDto> {
    return TrainingJobResponseDto.from(await this.findOwned(userId, id));
  }

  /** Stops freqtrade (its process group is killed); the epochs saved so far stay. */
  async cancel(userId: number, id: number): Promise<TrainingJobResponseDto> {
    const j = await this.findOwned(userId, id);
    if (!isTrainingActive(j.status) || !j.taskId)
      throw new AppException(
        'TRAINING_JOB_NOT_CANCELLABLE',
        { id, status: j.status },
        `Training job ${id} is ${j.status}`,
      );
    await this.tasks.cancel(j.taskId).catch(() => undefined);
    await this.tasks.wait(j.taskId).catch(() => undefined);
    // The task was ended elsewhere (its work never got to run): end the job with it.
    await this.jobs.update(
      { id, status: In(['pending', 'running']) },
      { status: 'cancelled', completedAt: new Date(), errorMessage: 'cancelled' },
    );
    return this.get(userId, id);
  }

  async metrics(userId: number, id: number, q: TrainingMetricsQueryDto): Promise<TrainingMetricsResponseDto> {
    await this.findOwned(userId, id);
    const epoch =
      q.start_epoch !== undefined && q.end_epoch !== undefined
        ? Between(q.start_epoch, q.end_epoch)
        : q.start_epoch !== undefined
          ? MoreThanOrEqual(q.start_epoch)
          : q.end_epoch !== undefined
            ? LessThanOrEqual(q.end_epoch)
            : undefined;
    const rows = await this.metricRows.find({
      where: { trainingJobId: id, ...(epoch ? { epoch } : {}) },
      order: { epoch: 'ASC' },
    });
    return { job_id: id, metrics: rows.map((m) => TrainingMetricDto.from(m)) };
  }

  async result(userId: number, id: number): Promise<TrainingResultResponseDto> {
    return this.resultOf(await this.findOwned(userId, id));
  }

  private async resultOf(j: TrainingJob): Promise<TrainingResultResponseDto> {
    const raw = await readFile(path.join(this.runner.dir(j.id), 'result.json'), 'utf8').catch(() => null);
    if (!raw)
      throw new AppException(
        'TRAINING_RESULT_NOT_READY',
        { id: j.id, status: j.status },
        j.status === 'completed'
          ? `Training job ${j.id} found no good result`
          : `Training job ${j.id} is ${j.status}`,
      );
    return { job_id: j.id, ...(JSON.parse(raw) as Omit<TrainingResultResponseDto, 'job_id'>) };
  }

  /** The best parameters become the strategy's new version (the changelog names the job). */
  async apply(user: AuthUser, id: number) {
    const j = await this.findOwned(user.id, id);
    const result = await this.resultOf(j);
    if (j.strategyId === null) throw new AppException('STRATEGY_NOT_FOUND', { id: null });
    const strategy = await this.strategies.findOwned(user.id, j.strategyId);
    const saved = await applyResult(this.versions, strategy, j, result, user.id);
    // As for any new version: a running bot moves to it.
    await this.lifecycle.restartIfRunning(saved);
    return toStrategyResponse(saved);
  }

  async remove(userId: number, id: number): Promise<null> {
    const j = await this.findOwned(userId, id);
    if (isTrainingActive(j.status) && j.taskId) {
      await this.tasks.cancel(j.taskId).catch(() => undefined);
      await this.tasks.wait(j.taskId).catch(() => undefined);
    }
    await this.jobs.delete(j.id);
    await rm(this.runner.dir(j.id), { recursive: true, force: true });
    return null;
  }

  onModuleInit(): void {
    this.datasets.registerUsageCheck(async (datasetId) => {
      const busy = await this.jobs.findOne({
        where: [
          { datasetId, status: 'running' },
          { datasetId, status: 'pending' },
        ],
        select: { id: true },
      });
      return busy ? `training job ${busy.id} is running on it` : null;
    });
  }

  private async findOwned(userId: number, id: number): Promise<TrainingJob> {
    const j = await this.jobs.findOneBy({ id, userId });
    if (!j) throw new AppException('TRAINING_JOB_NOT_FOUND', { id });
    return j;
  }
}

/** freqtrade's timerange side: YYYYMMDD; the end is exclusive, so a time inside a day rounds up. */
function ymd(d: Date | null, end = false): string {
  if (!d) return '';
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  if (end && day.getTime() < d.getTime()) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10).replaceAll('-', '');
}
