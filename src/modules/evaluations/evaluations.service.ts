import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import type { JsonObject } from '../../common/types/json.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { DatasetsService, type Dataset } from '../datasets/datasets.service.js';
import { FreqtradeInstallationsService } from '../freqtrade/install/freqtrade-installations.service.js';
import { StrategiesService, type Strategy } from '../strategies/strategies.service.js';
import { StrategyLifecycleService } from '../strategies/strategy-lifecycle.service.js';
import { TaskRunner, type TaskContext } from '../tasks/task-runner.service.js';
import { BacktestEvaluationRunner, type BacktestRun } from './backtest-evaluation.runner.js';
import type { CreateEvaluationDto } from './dto/create-evaluation.dto.js';
import { EvaluationResponseDto } from './dto/evaluation.response.dto.js';
import type { ListEvaluationsQueryDto } from './dto/list-evaluations.query.dto.js';
import { Evaluation } from './entities/evaluation.entity.js';
import { SignalQualityEvaluationRunner } from './signal-quality-evaluation.runner.js';

/**
 * Evaluations: validates a request, stores it `pending` and hands it to its runner as a task
 * (backtest types to `BacktestEvaluationRunner`, `signal_quality` to its own); list, get, report,
 * cancel and delete.
 */
@Injectable()
export class EvaluationsService implements OnModuleInit {
  constructor(
    @InjectRepository(Evaluation) private readonly evaluations: Repository<Evaluation>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly strategies: StrategiesService,
    private readonly lifecycle: StrategyLifecycleService,
    private readonly datasets: DatasetsService,
    private readonly freqtrade: FreqtradeInstallationsService,
    private readonly tasks: TaskRunner,
    private readonly backtests: BacktestEvaluationRunner,
    private readonly quality: SignalQualityEvaluationRunner,
  ) {}

  private dir(id: number): string {
    return path.join(this.config.paths.dataDir, 'evaluations', String(id));
  }

  async create(user: AuthUser, dto: CreateEvaluationDto): Promise<EvaluationResponseDto> {
    const strategy = await this.strategies.findOwned(user.id, dto.strategy_id);
    if (dto.dataset_id === undefined) return this.createWithDownload(user, strategy, dto);
    const dataset = await this.datasets.findOwned(user.id, dto.dataset_id);
    if (dataset.status !== 'ready') {
      throw new AppException(
        'DATASET_NOT_READY',
        { id: dataset.id, status: dataset.status },
        `Dataset ${dataset.id} is ${dataset.status}, not ready`,
      );
    }
    if (dto.evaluation_type === 'signal_quality') return this.createQuality(user, strategy, dataset, dto);
    if (!dataset.backtestable) {
      throw new AppException(
        'DATASET_NOT_BACKTESTABLE',
        { id: dataset.id },
        'The dataset has missing values or normalised prices; fill_missing (or use the original) first',
      );
    }
    const cfg = dto.config ?? {};
    const start = cfg.start_date ? new Date(cfg.start_date) : dataset.firstCandleAt;
    const end = cfg.end_date ? new Date(cfg.end_date) : dataset.lastCandleAt;
    if (start && end && start >= end) {
      throw new AppException('VALIDATION_ERROR', [
        { field: 'config.end_date', message: 'end_date must be after start_date' },
      ]);
    }
    return this.submitBacktest(user, strategy, dataset, dto, start, end, null);
  }

  /** No dataset named: download the range first (kept as a dataset), then backtest on it. */
  private async createWithDownload(
    user: AuthUser,
    strategy: Strategy,
    dto: CreateEvaluationDto,
  ): Promise<EvaluationResponseDto> {
    const cfg = dto.config ?? {};
    const field = (f: string, message: string) =>
      new AppException('VALIDATION_ERROR', [{ field: f, message }]);
    if (dto.evaluation_type === 'signal_quality')
      throw field('dataset_id', 'signal_quality needs a dataset with the candles');
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
    const start = new Date(cfg.start_date);
    const end = cfg.end_date ? new Date(cfg.end_date) : null;
    if (end && start >= end) throw field('config.end_date', 'end_date must be after start_date');
    const exchange = typeof strategy.config.exchange === 'string' ? strategy.config.exchange : undefined;
    const dl = await this.datasets.download(user.id, {
      exchange,
      pairs: [pair],
      timeframes: [timeframe],
      start_time: cfg.start_date,
      end_time: cfg.end_date,
    });
    const dataset = await this.datasets.findOwned(user.id, dl.datasets[0]!.id);
    return this.submitBacktest(user, strategy, dataset, dto, start, end, dl.task_id);
  }

  private async submitBacktest(
    user: AuthUser,
    strategy: Strategy,
    dataset: Dataset,
    dto: CreateEvaluationDto,
    start: Date | null,
    end: Date | null,
    downloadTaskId: string | null,
  ): Promise<EvaluationResponseDto> {
    const cfg = dto.config ?? {};
    const runs = await this.runsFor(user, strategy, dto);
    const ft = await this.freqtrade.requireActive();
    return this.submit(
      {
        name: dto.name,
        evaluationType: dto.evaluation_type,
        config: { ...cfg } as JsonObject,
        startDate: start,
        endDate: end,
        strategyId: strategy.id,
        datasetId: dataset.id,
        userId: user.id,
        freqtradeVersion: ft.version,
      },
      'evaluation.run',
      (row, ctx) => this.backtests.run(row, runs, dataset, this.dir(row.id), ctx, downloadTaskId),
    );
  }

  /** Scores the journal's signals against the dataset's candles; no freqtrade involved. */
  private async createQuality(
    user: AuthUser,
    strategy: Strategy,
    dataset: Dataset,
    dto: CreateEvaluationDto,
  ): Promise<EvaluationResponseDto> {
    if ((dataset.statistics as { normalized?: boolean } | null)?.normalized) {
      throw new AppException(
        'DATASET_NOT_BACKTESTABLE',
        { id: dataset.id },
        'Normalised prices cannot score signals',
      );
    }
    const cfg = dto.config ?? {};
    const start = cfg.start_date ? new Date(cfg.start_date) : dataset.firstCandleAt;
    const end = cfg.end_date ? new Date(cfg.end_date) : dataset.lastCandleAt;
    return this.submit(
      {
        name: dto.name,
        evaluationType: 'signal_quality',
        config: { ...cfg } as JsonObject,
        startDate: start,
        endDate: end,
        strategyId: strategy.id,
        datasetId: dataset.id,
        userId: user.id,
      },
      'evaluation.signal_quality',
      (row, ctx) => this.quality.run(row, strategy, dataset, this.dir(row.id), ctx),
    );
  }

  /** Stores the evaluation `pending` and runs `work` as its task. */
  private async submit(
    fields: Partial<Evaluation> & { userId: number },
    taskName: string,
    work: (row: Evaluation, ctx: TaskContext) => Promise<JsonObject>,
  ): Promise<EvaluationResponseDto> {
    const row = await this.evaluations.save(this.evaluations.create({ ...fields, status: 'pending' }));
    const task = await this.tasks.submit(
      {
        taskName,
        args: { evaluation_id: row.id },
        userId: fields.userId,
        relatedType: 'evaluation',
        relatedId: String(row.id),
      },
      (ctx) => work(row, ctx),
    );
    row.taskId = task.id;
    await this.evaluations.update(row.id, { taskId: task.id });
    return EvaluationResponseDto.from(row, { withCharts: false });
  }

  async list(userId: number, q: ListEvaluationsQueryDto): Promise<Page<EvaluationResponseDto>> {
    const qb = this.evaluations
      .createQueryBuilder('e')
      .where('e.user_id = :userId', { userId })
      .orderBy('e.created_at', 'DESC')
      .addOrderBy('e.id', 'DESC');
    if (q.status) qb.andWhere('e.status = :status', { status: q.status });
    if (q.evaluation_type) qb.andWhere('e.evaluation_type = :type', { type: q.evaluation_type });
    if (q.strategy_id) qb.andWhere('e.strategy_id = :sid', { sid: q.strategy_id });
    const [items, total] = await qb.skip(offsetOf(q)).take(q.page_size).getManyAndCount();
    return new Page(
      'evaluations',
      items.map((e) => EvaluationResponseDto.from(e, { withCharts: false })),
      q.page,
      q.page_size,
      total,
    );
  }

  async get(userId: number, id: number): Promise<EvaluationResponseDto> {
    return EvaluationResponseDto.from(await this.findOwned(userId, id), { withCharts: true });
  }

  async report(userId: number, id: number): Promise<string> {
    const e = await this.findOwned(userId, id);
    if (!e.reportPath)
      throw new AppException(
        'REPORT_NOT_READY',
        { id, status: e.status },
        `Evaluation ${id} is ${e.status}; the report comes when it completes`,
      );
    return readFile(e.reportPath, 'utf8');
  }

  async cancel(user: AuthUser, id: number): Promise<EvaluationResponseDto> {
    const e = await this.findOwned(user.id, id);
    if (e.status !== 'pending' && e.status !== 'running') {
      throw new AppException(
        'EVALUATION_NOT_CANCELLABLE',
        { id, status: e.status },
        `Evaluation ${id} is ${e.status}`,
      );
    }
    if (e.taskId) await this.tasks.cancel(e.taskId);
    await this.tasks.wait(e.taskId!).catch(() => undefined);
    return this.get(user.id, id);
  }

  async remove(user: AuthUser, id: number): Promise<null> {
    const e = await this.findOwned(user.id, id);
    if ((e.status === 'pending' || e.status === 'running') && e.taskId) {
      await this.tasks.cancel(e.taskId).catch(() => undefined);
      await this.tasks.wait(e.taskId).catch(() => undefined);
    }
    await this.evaluations.delete(e.id);
    await rm(this.dir(e.id), { recursive: true, force: true });
    return null;
  }

  onModuleInit(): void {
    this.datasets.registerUsageCheck(async (datasetId) => {
      const busy = await this.evaluations.findOne({
        where: [
          { datasetId, status: 'running' },
          { datasetId, status: 'pending' },
        ],
        select: { id: true },
      });
      return busy ? `evaluation ${busy.id} is running on it` : null;
    });
  }

  private async findOwned(userId: number, id: number): Promise<Evaluation> {
    const e = await this.evaluations.findOneBy({ id, userId });
    if (!e) throw new AppException('EVALUATION_NOT_FOUND', { id });
    return e;
  }

  private async runsFor(
    user: AuthUser,
    strategy: Strategy,
    dto: CreateEvaluationDto,
  ): Promise<BacktestRun[]> {
    const cfg = dto.config ?? {};
    const one = async (s: Strategy, version?: string): Promise<BacktestRun> => {
      const spec = version ? await this.lifecycle.specOfVersion(s, version) : await this.lifecycle.specOf(s);
      return { label: `${s.name} ${spec.version}`, strategy: s, spec };
    };
    if (dto.evaluation_type !== 'comparison') return [await one(strategy, cfg.version)];
    const runs: BacktestRun[] = [];
    if (cfg.versions?.length) {
      for (const v of new Set(cfg.versions)) runs.push(await one(strategy, v));
    } else {
      runs.push(await one(strategy, cfg.version));
      for (const id of new Set(cfg.strategy_ids ?? [])) {
        if (id !== strategy.id) runs.push(await one(await this.strategies.findOwned(user.id, id)));
      }
    }
    if (runs.length < 2) {
      throw new AppException('VALIDATION_ERROR', [
        {
          field: 'config',
          message: 'a comparison needs config.versions (two or more) or config.strategy_ids',
        },
      ]);
    }
    return runs;
  }
}
