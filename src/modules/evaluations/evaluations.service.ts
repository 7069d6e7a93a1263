import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import type { JsonObject } from '../../common/types/json.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { readStoredCandles } from '../datasets/dataset-files.js';
import { DatasetsService, type Dataset } from '../datasets/datasets.service.js';
import { BacktestFailed, runBacktest } from '../freqtrade/backtest/backtest-runner.js';
import { ccxtProxyConfig } from '../freqtrade/bot/bot-config.js';
import { exchangeUrlOverrides } from '../freqtrade/bot/exchange-urls.js';
import { ProxySelector } from '../../infra/http/proxy-selector.js';
import { FreqtradeInstallationsService } from '../freqtrade/install/freqtrade-installations.service.js';
import { StrategiesService, type Strategy } from '../strategies/strategies.service.js';
import { StrategyLifecycleService } from '../strategies/strategy-lifecycle.service.js';
import type { StrategyRunSpec } from '../strategies/strategy-runtime.port.js';
import { TaskRunner, type TaskContext } from '../tasks/task-runner.service.js';
import {
  backtestResults,
  benchmarkSeries,
  dailyBalances,
  drawdownSeries,
  equityCurve,
  periodReturns,
  riskFigures,
} from './backtest-figures.js';
import type { CreateEvaluationDto } from './dto/create-evaluation.dto.js';
import { EvaluationResponseDto } from './dto/evaluation.response.dto.js';
import type { ListEvaluationsQueryDto } from './dto/list-evaluations.query.dto.js';
import { Evaluation } from './entities/evaluation.entity.js';
import { renderQualityReport, renderReport } from './evaluation-report.js';
import { signalQuality } from './signal-quality.js';
import { SignalsQueryService } from '../signals/signals-query.service.js';

/** One backtest of an evaluation: a strategy version on the evaluation's dataset. */
interface Run {
  label: string;
  strategy: Strategy;
  spec: StrategyRunSpec;
}

const BACKTEST_TIMEOUT_MS = 60 * 60_000;
const MAX_QUALITY_SIGNALS = 100_000;

/**
 * Evaluations run real freqtrade backtests as tasks and keep freqtrade's figures, the charts drawn
 * from its trades, and an HTML report. Nothing here estimates a result.
 */
@Injectable()
export class EvaluationsService implements OnModuleInit {
  private readonly logger = new Logger(EvaluationsService.name);

  constructor(
    @InjectRepository(Evaluation) private readonly evaluations: Repository<Evaluation>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly strategies: StrategiesService,
    private readonly lifecycle: StrategyLifecycleService,
    private readonly datasets: DatasetsService,
    private readonly freqtrade: FreqtradeInstallationsService,
    private readonly tasks: TaskRunner,
    private readonly signals: SignalsQueryService,
    private readonly proxies: ProxySelector,
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
      (row, ctx) => this.run(row, runs, dataset, ctx, downloadTaskId),
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
      (row, ctx) => this.runQuality(row, strategy, dataset, ctx),
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

  private async runQuality(
    row: Evaluation,
    strategy: Strategy,
    dataset: Dataset,
    ctx: TaskContext,
  ): Promise<JsonObject> {
    await this.evaluations.update(row.id, { status: 'running' });
    try {
      const signals = await this.signals.forEvaluation(row.userId, {
        strategyId: strategy.id,
        pair: dataset.pair,
        timeframe: dataset.timeframe,
        from: row.startDate ?? new Date(0),
        to: row.endDate ?? new Date(8.64e15),
        limit: MAX_QUALITY_SIGNALS,
      });
      ctx.progress(30, `${signals.length} signals`);
      const candles = await readStoredCandles(dataset.filePath);
      const quality = signalQuality(signals, candles);
      const charts: JsonObject[] = Object.entries(quality.by_strength_level).map(([level, g]) => ({
        type: 'signal_quality',
        data: g.horizons.map((h) => ({
          horizon: h.horizon,
          mean_return: h.mean_return,
          hit_rate: h.hit_rate,
        })),
        config: { strength_level: level, signals: g.signals },
      }));
      const results = {
        ...(quality as unknown as JsonObject),
        truncated: signals.length === MAX_QUALITY_SIGNALS,
      };
      const reportPath = path.join(this.dir(row.id), 'report.html');
      await mkdir(path.dirname(reportPath), { recursive: true });
      await writeFile(reportPath, renderQualityReport(row.name, strategy.name, dataset, quality));
      const patch: Partial<Evaluation> = {
        status: 'completed',
        results,
        charts,
        reportPath,
        completedAt: new Date(),
        errorMessage: null,
      };
      await this.evaluations.update(row.id, patch as QueryDeepPartialEntity<Evaluation>);
      ctx.progress(100, 'completed');
      return { evaluation_id: row.id, signals: signals.length };
    } catch (err) {
      const cancelled = ctx.signal.aborted;
      await this.evaluations
        .update(row.id, {
          status: cancelled ? 'cancelled' : 'failed',
          errorMessage: (cancelled ? 'cancelled' : (err as Error).message).slice(0, 4000),
          completedAt: new Date(),
        })
        .catch((e: unknown) => this.logger.error(`evaluation ${row.id}: ${(e as Error).message}`));
      throw err;
    }
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

  private async runsFor(user: AuthUser, strategy: Strategy, dto: CreateEvaluationDto): Promise<Run[]> {
    const cfg = dto.config ?? {};
    const one = async (s: Strategy, version?: string): Promise<Run> => {
      const spec = version ? await this.lifecycle.specOfVersion(s, version) : await this.lifecycle.specOf(s);
      return { label: `${s.name} ${spec.version}`, strategy: s, spec };
    };
    if (dto.evaluation_type !== 'comparison') return [await one(strategy, cfg.version)];
    const runs: Run[] = [];
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

  private async run(
    row: Evaluation,
    runs: Run[],
    given: Dataset,
    ctx: TaskContext,
    downloadTaskId: string | null,
  ): Promise<JsonObject> {
    await this.evaluations.update(row.id, { status: 'running' });
    try {
      let dataset = given;
      if (downloadTaskId) {
        ctx.progress(1, 'downloading candles');
        const abort = () => void this.tasks.cancel(downloadTaskId).catch(() => undefined);
        ctx.signal.addEventListener('abort', abort, { once: true });
        await this.tasks.wait(downloadTaskId).finally(() => ctx.signal.removeEventListener('abort', abort));
        ctx.signal.throwIfAborted();
        dataset = await this.datasets.findOwned(row.userId, given.id);
        if (dataset.status !== 'ready')
          throw new AppException(
            'DATASET_NOT_READY',
            { id: dataset.id },
            `download failed: ${dataset.errorMessage}`,
          );
        row.startDate ??= dataset.firstCandleAt;
        row.endDate ??= dataset.lastCandleAt;
      }
      const ft = await this.freqtrade.requireActive();
      const env = this.config.freqtrade.childEnv;
      const urls = await exchangeUrlOverrides(
        ft.bin,
        dataset.exchange,
        this.config.exchangeUrlOverrides,
        env,
      );
      // Backtests load the exchange's markets: through the pool like the bots.
      const proxy = await this.proxies.select({ ownerId: row.userId, usePool: true });
      const cfg = row.config as {
        initial_capital?: number;
        stake_amount?: number;
        fee?: number;
        max_open_trades?: number;
        benchmark?: string;
      };
      const timerange = `${ymd(row.startDate)}-${ymd(row.endDate, true)}`;
      const outcomes: { label: string; run: Run; stats: JsonObject; results: JsonObject; seconds: number }[] =
        [];
      for (const [k, run] of runs.entries()) {
        ctx.progress((k / runs.length) * 90, `backtesting ${run.label}`);
        const source =
          run.spec.source ?? (run.spec.sourceFile ? await readFile(run.spec.sourceFile, 'utf8') : null);
        const className =
          typeof run.spec.config.strategy_class === 'string' ? run.spec.config.strategy_class : null;
        if (!source || !className)
          throw new AppException(
            'STRATEGY_LOAD_FAILED',
            { id: run.strategy.id },
            `${run.label} has no source to backtest`,
          );
        const out = await runBacktest({
          bin: ft.bin,
          env,
          workdir: path.join(this.dir(row.id), String(k)),
          strategyClass: className,
          source,
          parameters: run.spec.parameters,
          exchange: dataset.exchange,
          pairs: [dataset.pair],
          timeframe: dataset.timeframe,
          datadir: path.dirname(dataset.filePath),
          dataFormat: 'json',
          timerange,
          stakeCurrency: dataset.pair.split('/')[1]!,
          stakeAmount: cfg.stake_amount ?? 'unlimited',
          startingBalance: cfg.initial_capital ?? 1000,
          maxOpenTrades: cfg.max_open_trades ?? 1,
          fee: cfg.fee ?? null,
          ccxtConfig: { ...(urls ? { urls: { api: urls } } : {}), ...ccxtProxyConfig(proxy) },
          signal: ctx.signal,
          timeoutMs: BACKTEST_TIMEOUT_MS,
        });
        outcomes.push({
          label: run.label,
          run,
          stats: out.stats,
          results: backtestResults(out.stats),
          seconds: out.freqtradeSeconds,
        });
      }
      ctx.progress(92, 'computing figures');
      const first = outcomes[0]!;
      const startBalance = cfg.initial_capital ?? 1000;
      const equity = equityCurve(first.stats);
      const daily = dailyBalances(first.stats);
      const charts: JsonObject[] = [
        {
          type: 'equity_curve',
          data: equity as unknown as JsonObject[],
          config: { unit: first.results.stake_currency },
        },
        { type: 'drawdown', data: drawdownSeries(equity) as unknown as JsonObject[], config: { unit: '%' } },
        {
          type: 'monthly_returns',
          data: periodReturns(daily, 'month', startBalance) as unknown as JsonObject[],
          config: { unit: '%' },
        },
      ];
      const benchmarkPair = cfg.benchmark ?? dataset.pair;
      if (benchmarkPair === dataset.pair) {
        const candles = await readStoredCandles(dataset.filePath);
        charts.push({
          type: 'benchmark',
          data: benchmarkSeries(
            candles,
            (first.stats.backtest_start_ts as number) ?? 0,
            (first.stats.backtest_end_ts as number) ?? Infinity,
          ) as unknown as JsonObject[],
          config: { pair: benchmarkPair, unit: '%', description: 'buy and hold, percent change' },
        });
      } else {
        charts.push({
          type: 'benchmark',
          data: [],
          config: {
            pair: benchmarkPair,
            unavailable: `no candles of ${benchmarkPair} in dataset ${dataset.id}`,
          },
        });
      }
      let results: JsonObject = { ...first.results, freqtrade_seconds: round2(first.seconds) };
      if (row.evaluationType === 'performance') {
        results = {
          ...results,
          returns: {
            daily: periodReturns(daily, 'day', startBalance) as unknown as JsonObject[],
            weekly: periodReturns(daily, 'week', startBalance) as unknown as JsonObject[],
            monthly: periodReturns(daily, 'month', startBalance) as unknown as JsonObject[],
          },
        };
      }
      if (row.evaluationType === 'risk') results = { ...results, risk: riskFigures(daily, startBalance) };
      if (row.evaluationType === 'comparison') {
        results = {
          comparison: outcomes.map((o) => ({
            label: o.label,
            strategy_id: o.run.strategy.id,
            version: o.run.spec.version,
            ...o.results,
          })) as unknown as JsonObject[],
        };
        for (const o of outcomes.slice(1)) {
          charts.push({
            type: 'equity_curve',
            data: equityCurve(o.stats) as unknown as JsonObject[],
            config: { label: o.label },
          });
        }
      }
      const reportPath = path.join(this.dir(row.id), 'report.html');
      await mkdir(path.dirname(reportPath), { recursive: true });
      await writeFile(
        reportPath,
        renderReport({ name: row.name, type: row.evaluationType, dataset, outcomes, charts }),
      );
      const patch: Partial<Evaluation> = {
        status: 'completed',
        results,
        charts,
        reportPath,
        completedAt: new Date(),
        errorMessage: null,
      };
      await this.evaluations.update(row.id, patch as QueryDeepPartialEntity<Evaluation>);
      // The strategy's performance fields follow a backtest of its current version.
      if (row.evaluationType !== 'comparison' && first.run.spec.version === first.run.strategy.version) {
        const r = first.results as {
          total_return: number | null;
          sharpe_ratio: number | null;
          max_drawdown: number | null;
          win_rate: number | null;
        };
        await this.strategies.recordPerformance(first.run.strategy.id, {
          totalReturn: r.total_return,
          sharpeRatio: r.sharpe_ratio,
          maxDrawdown: r.max_drawdown,
          winRate: r.win_rate === null ? null : r.win_rate * 100,
        });
      }
      ctx.progress(100, 'completed');
      return { evaluation_id: row.id, freqtrade_seconds: outcomes.map((o) => round2(o.seconds)) };
    } catch (err) {
      const cancelled = ctx.signal.aborted;
      const message = cancelled
        ? 'cancelled'
        : err instanceof BacktestFailed
          ? err.message
          : (err as Error).message;
      await this.evaluations
        .update(row.id, {
          status: cancelled ? 'cancelled' : 'failed',
          errorMessage: message.slice(0, 4000),
          completedAt: new Date(),
        })
        .catch((e: unknown) => this.logger.error(`evaluation ${row.id}: ${(e as Error).message}`));
      if (err instanceof BacktestFailed && !cancelled)
        throw new AppException('BACKTEST_FAILED', { last_lines: err.lastLines.slice(-10) }, err.message);
      throw err;
    }
  }
}

/** freqtrade's timerange side: YYYYMMDD; the end is exclusive, so a time inside a day rounds up. */
function ymd(d: Date | null, end = false): string {
  if (!d) return '';
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  if (end && day.getTime() < d.getTime()) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10).replaceAll('-', '');
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
