import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception.js';
import type { JsonObject } from '../../common/types/json.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ProxySelector } from '../../infra/http/proxy-selector.js';
import { readStoredCandles } from '../datasets/dataset-files.js';
import { DatasetsService, type Dataset } from '../datasets/datasets.service.js';
import { BacktestFailed, runBacktest } from '../freqtrade/backtest/backtest-runner.js';
import { ccxtProxyConfig } from '../freqtrade/bot/bot-config.js';
import { exchangeUrlOverrides } from '../freqtrade/bot/exchange-urls.js';
import { FreqtradeInstallationsService } from '../freqtrade/install/freqtrade-installations.service.js';
import { StrategiesService, type Strategy } from '../strategies/strategies.service.js';
import type { StrategyRunSpec } from '../strategies/strategy-runtime.port.js';
import { TaskRunner, type TaskContext } from '../tasks/task-runner.service.js';
import {
  backtestEvaluationFigures,
  round2,
  type BacktestOutcome,
  type BenchmarkCandles,
} from './backtest-evaluation-results.js';
import type { Evaluation } from './entities/evaluation.entity.js';
import { renderReport } from './evaluation-report.js';
import { EvaluationStatusRecorder } from './evaluation-status.recorder.js';

/** One backtest of an evaluation: a strategy version on the evaluation's dataset. */
export interface BacktestRun {
  label: string;
  strategy: Strategy;
  spec: StrategyRunSpec;
}

/** Options an evaluation's `config` may give the backtests. */
interface BacktestOptions {
  initial_capital?: number;
  stake_amount?: number;
  fee?: number;
  max_open_trades?: number;
  benchmark?: string;
}

const BACKTEST_TIMEOUT_MS = 60 * 60_000;

/**
 * A backtest, performance, risk or comparison evaluation: waits for its download when it has one,
 * runs real `freqtrade backtesting` once per strategy version, and keeps freqtrade's figures, the
 * charts drawn from its trades and an HTML report. Nothing here estimates a result.
 */
@Injectable()
export class BacktestEvaluationRunner {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly strategies: StrategiesService,
    private readonly datasets: DatasetsService,
    private readonly freqtrade: FreqtradeInstallationsService,
    private readonly tasks: TaskRunner,
    private readonly proxies: ProxySelector,
    private readonly status: EvaluationStatusRecorder,
  ) {}

  async run(
    row: Evaluation,
    runs: BacktestRun[],
    given: Dataset,
    workdir: string,
    ctx: TaskContext,
    downloadTaskId: string | null,
  ): Promise<JsonObject> {
    await this.status.running(row.id);
    try {
      const dataset = downloadTaskId ? await this.awaitDownload(row, given, downloadTaskId, ctx) : given;
      const cfg = row.config as BacktestOptions;
      const outcomes: BacktestOutcome[] = [];
      for (const [k, run] of runs.entries()) {
        ctx.progress((k / runs.length) * 90, `backtesting ${run.label}`);
        outcomes.push(await this.backtest(row, run, dataset, path.join(workdir, String(k)), cfg, ctx));
      }
      ctx.progress(92, 'computing figures');
      const startBalance = cfg.initial_capital ?? 1000;
      const { results, charts, perOutcome } = backtestEvaluationFigures(
        row.evaluationType,
        outcomes,
        startBalance,
        await this.benchmark(cfg.benchmark ?? dataset.pair, dataset),
      );
      const reportPath = path.join(workdir, 'report.html');
      await mkdir(workdir, { recursive: true });
      const reportOutcomes = outcomes.map((o, k) => ({ ...o, results: perOutcome[k]! }));
      await writeFile(
        reportPath,
        renderReport({ name: row.name, type: row.evaluationType, dataset, outcomes: reportOutcomes, charts }),
      );
      await this.status.completed(row.id, { results, charts, reportPath });
      await this.recordStrategyPerformance(row, runs[0]!, perOutcome[0]!);
      ctx.progress(100, 'completed');
      return { evaluation_id: row.id, freqtrade_seconds: outcomes.map((o) => round2(o.seconds)) };
    } catch (err) {
      const cancelled = ctx.signal.aborted;
      await this.status.ended(row.id, cancelled, (err as Error).message);
      if (err instanceof BacktestFailed && !cancelled)
        throw new AppException('BACKTEST_FAILED', { last_lines: err.lastLines.slice(-10) }, err.message);
      throw err;
    }
  }

  /** An evaluation without a dataset first waits for the download it started; cancelling cancels it. */
  private async awaitDownload(
    row: Evaluation,
    given: Dataset,
    downloadTaskId: string,
    ctx: TaskContext,
  ): Promise<Dataset> {
    ctx.progress(1, 'downloading candles');
    const abort = () => void this.tasks.cancel(downloadTaskId).catch(() => undefined);
    ctx.signal.addEventListener('abort', abort, { once: true });
    await this.tasks.wait(downloadTaskId).finally(() => ctx.signal.removeEventListener('abort', abort));
    ctx.signal.throwIfAborted();
    const dataset = await this.datasets.findOwned(row.userId, given.id);
    if (dataset.status !== 'ready')
      throw new AppException(
        'DATASET_NOT_READY',
        { id: dataset.id },
        `download failed: ${dataset.errorMessage}`,
      );
    row.startDate ??= dataset.firstCandleAt;
    row.endDate ??= dataset.lastCandleAt;
    return dataset;
  }

  private async backtest(
    row: Evaluation,
    run: BacktestRun,
    dataset: Dataset,
    workdir: string,
    cfg: BacktestOptions,
    ctx: TaskContext,
  ): Promise<BacktestOutcome> {
    const ft = await this.freqtrade.requireActive();
    const env = this.config.freqtrade.childEnv;
    const urls = await exchangeUrlOverrides(ft.bin, dataset.exchange, this.config.exchangeUrlOverrides, env);
    // Backtests load the exchange's markets: through the pool like the bots.
    const proxy = await this.proxies.select({ ownerId: row.userId, usePool: true });
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
      workdir,
      strategyClass: className,
      source,
      parameters: run.spec.parameters,
      exchange: dataset.exchange,
      pairs: [dataset.pair],
      timeframe: dataset.timeframe,
      datadir: path.dirname(dataset.filePath),
      dataFormat: 'json',
      timerange: `${ymd(row.startDate)}-${ymd(row.endDate, true)}`,
      stakeCurrency: dataset.pair.split('/')[1]!,
      stakeAmount: cfg.stake_amount ?? 'unlimited',
      startingBalance: cfg.initial_capital ?? 1000,
      maxOpenTrades: cfg.max_open_trades ?? 1,
      fee: cfg.fee ?? null,
      ccxtConfig: { ...(urls ? { urls: { api: urls } } : {}), ...ccxtProxyConfig(proxy) },
      signal: ctx.signal,
      timeoutMs: BACKTEST_TIMEOUT_MS,
    });
    return {
      label: run.label,
      strategyId: run.strategy.id,
      version: run.spec.version,
      stats: out.stats,
      seconds: out.freqtradeSeconds,
    };
  }

  /** Buy and hold is drawn from the dataset's own candles; another pair has none here. */
  private async benchmark(pair: string, dataset: Dataset): Promise<BenchmarkCandles> {
    if (pair !== dataset.pair) return { pair, missing: `no candles of ${pair} in dataset ${dataset.id}` };
    return { pair, candles: await readStoredCandles(dataset.filePath) };
  }

  /** The strategy's performance fields follow a backtest of its current version. */
  private async recordStrategyPerformance(row: Evaluation, run: BacktestRun, results: JsonObject) {
    if (row.evaluationType === 'comparison' || run.spec.version !== run.strategy.version) return;
    const r = results as {
      total_return: number | null;
      sharpe_ratio: number | null;
      max_drawdown: number | null;
      win_rate: number | null;
    };
    await this.strategies.recordPerformance(run.strategy.id, {
      totalReturn: r.total_return,
      sharpeRatio: r.sharpe_ratio,
      maxDrawdown: r.max_drawdown,
      winRate: r.win_rate === null ? null : r.win_rate * 100,
    });
  }
}

/** freqtrade's timerange side: YYYYMMDD; the end is exclusive, so a time inside a day rounds up. */
function ymd(d: Date | null, end = false): string {
  if (!d) return '';
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  if (end && day.getTime() < d.getTime()) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10).replaceAll('-', '');
}
