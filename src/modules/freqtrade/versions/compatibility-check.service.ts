import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AuthUser } from '../../../common/auth/auth-user.js';
import { AppException } from '../../../common/errors/app.exception.js';
import type { AppConfig } from '../../../config/app-config.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import { CLOCK, type Clock } from '../../../infra/clock/clock.port.js';
import { runCommand } from '../../../infra/process/run-command.js';
import { StrategyLifecycleService } from '../../strategies/strategy-lifecycle.service.js';
import type { StrategyRunSpec } from '../../strategies/strategy-runtime.port.js';
import type { TaskResponseDto } from '../../tasks/dto/task.response.dto.js';
import { TaskRunner, type TaskContext } from '../../tasks/task-runner.service.js';
import { buildBotConfig } from '../bot/bot-config.js';
import { checkStrategyLoads, prepareWorkdir, writeBotConfig, type BotWorkdir } from '../bot/bot-workdir.js';
import { exchangeUrlOverrides } from '../bot/exchange-urls.js';
import { redactSecrets } from '../bot/log-redaction.js';
import {
  FreqtradeCompatibilityCheck,
  type StrategyCompatibility,
} from '../entities/freqtrade-compatibility-check.entity.js';
import { timeframeMs } from '../health/health-score.js';
import {
  FreqtradeInstallationsService,
  type ActiveFreqtrade,
} from '../install/freqtrade-installations.service.js';
import type { CompatibilityCheckResponseDto } from './dto/versions.dto.js';
import { isSupportedVersion } from './release-index.js';
import { diffSignals, runProbe, type ProbeResult } from './signal-probe.js';

/** Candles of history each strategy is compared on (plus its startup candles). */
const CANDLES = 500;

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v ? v : fallback);

export function toCheckResponse(c: FreqtradeCompatibilityCheck): CompatibilityCheckResponseDto {
  return {
    id: c.id,
    base_version: c.baseVersion,
    target_version: c.targetVersion,
    status: c.status,
    passed: c.status === 'completed' && c.incompatibleStrategies === 0,
    total_strategies: c.totalStrategies,
    compatible_strategies: c.compatibleStrategies,
    changed_strategies: c.changedStrategies,
    incompatible_strategies: c.incompatibleStrategies,
    results: c.results,
    error: c.error,
    created_at: c.createdAt.toISOString(),
    finished_at: c.finishedAt?.toISOString() ?? null,
  };
}

/**
 * Pre-flight of an upgrade: installs the target into its own venv if missing (kept), then for every
 * strategy of the user checks that the class loads under the target (`list-strategies`), reads its
 * INTERFACE_VERSION, and computes its signals on the same cached candles (prepared once with
 * `download-data` from the configured exchange) under the active and the target version.
 * Verdicts: compatible (identical signals), changed (loads, signals differ), incompatible (fails to
 * load or to run, with freqtrade's error).
 */
@Injectable()
export class CompatibilityCheckService {
  private readonly logger = new Logger(CompatibilityCheckService.name);

  constructor(
    private readonly installations: FreqtradeInstallationsService,
    private readonly lifecycle: StrategyLifecycleService,
    private readonly tasks: TaskRunner,
    @InjectRepository(FreqtradeCompatibilityCheck)
    private readonly checks: Repository<FreqtradeCompatibilityCheck>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async start(user: AuthUser, target: string): Promise<TaskResponseDto> {
    if (!isSupportedVersion(target))
      throw new AppException('FREQTRADE_VERSION_UNSUPPORTED', { version: target });
    const base = await this.installations.requireActive();
    // The row is written as the work starts, in the background right after this answer.
    const task = await this.tasks.submit(
      {
        taskName: 'freqtrade.compatibility_check',
        args: { target_version: target, base_version: base.version },
        userId: user.id,
        relatedType: 'freqtrade_version',
        relatedId: target,
      },
      async (ctx) => {
        const row = await this.checks.save(
          this.checks.create({
            id: ctx.taskId,
            ownerId: user.id,
            baseVersion: base.version,
            targetVersion: target,
            status: 'running',
          }),
        );
        return this.run(row, user.id, base, ctx);
      },
    );
    return task;
  }

  async get(user: AuthUser, id: string): Promise<CompatibilityCheckResponseDto> {
    const row = await this.checks.findOneBy({ id });
    if (row) {
      if (row.ownerId !== user.id && !user.isSuperuser)
        throw new AppException('COMPATIBILITY_CHECK_NOT_FOUND', { id });
      return toCheckResponse(row);
    }
    // Submitted a moment ago, its work not started yet: the task says what it will be.
    const task = await this.tasks.get(id);
    if (
      task?.task_name !== 'freqtrade.compatibility_check' ||
      (task.user_id !== user.id && !user.isSuperuser) ||
      !['PENDING', 'STARTED'].includes(task.status)
    )
      throw new AppException('COMPATIBILITY_CHECK_NOT_FOUND', { id });
    return toCheckResponse(
      this.checks.create({
        id,
        ownerId: task.user_id,
        baseVersion: String(task.args.base_version),
        targetVersion: String(task.args.target_version),
        status: 'running',
        results: [],
        totalStrategies: 0,
        compatibleStrategies: 0,
        changedStrategies: 0,
        incompatibleStrategies: 0,
        error: null,
        createdAt: new Date(task.created_at),
        finishedAt: null,
      }),
    );
  }

  private async run(
    row: FreqtradeCompatibilityCheck,
    ownerId: number,
    base: ActiveFreqtrade,
    ctx: TaskContext,
  ): Promise<{
    check_id: string;
    passed: boolean;
    compatible: number;
    changed: number;
    incompatible: number;
  }> {
    const root = path.join(this.config.paths.dataDir, 'freqtrade', 'compat', row.id);
    try {
      ctx.progress(1, `installing freqtrade ${row.targetVersion} if missing`);
      const target = await this.installations.ensureInstalled(row.targetVersion, {
        ...ctx,
        progress: (pct, msg) => ctx.progress(pct === null ? null : Math.round(pct * 0.3), msg),
      });
      const targetFt = { bin: target.binPath, version: target.version };
      const specs = await this.lifecycle.specsOfOwner(ownerId);
      const downloaded = new Set<string>();
      for (const [i, spec] of specs.entries()) {
        if (ctx.signal.aborted) throw new Error('cancelled');
        ctx.progress(
          30 + Math.round((65 * i) / Math.max(1, specs.length)),
          `checking ${spec.name} (${i + 1}/${specs.length})`,
        );
        const result = await this.checkOne(spec, base, targetFt, root, downloaded, ctx).catch(
          (err: Error): StrategyCompatibility => ({
            ...emptyResult(spec),
            error: `the check itself failed: ${err.message}`,
          }),
        );
        row.results = [...row.results, result];
        count(row);
        await this.checks.save(row);
      }
      row.status = 'completed';
      row.finishedAt = new Date(this.clock.now());
      await this.checks.save(row);
      ctx.progress(
        100,
        `${row.compatibleStrategies} compatible, ${row.changedStrategies} changed, ${row.incompatibleStrategies} incompatible`,
      );
      return {
        check_id: row.id,
        passed: row.incompatibleStrategies === 0,
        compatible: row.compatibleStrategies,
        changed: row.changedStrategies,
        incompatible: row.incompatibleStrategies,
      };
    } catch (err) {
      await this.checks.update(
        { id: row.id },
        {
          status: 'failed',
          error: (err as Error).message.slice(0, 4000),
          finishedAt: new Date(this.clock.now()),
        },
      );
      throw err;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  private async checkOne(
    spec: StrategyRunSpec,
    base: { bin: string; version: string },
    target: { bin: string; version: string },
    root: string,
    downloaded: Set<string>,
    ctx: TaskContext,
  ): Promise<StrategyCompatibility> {
    const env = this.config.freqtrade.childEnv;
    const result = emptyResult(spec);
    const className = result.strategy_class;
    const dir = path.join(root, String(spec.strategyId));
    const w: BotWorkdir = {
      dir,
      strategyDir: path.join(dir, 'strategy'),
      userDataDir: path.join(dir, 'user_data'),
      configFile: path.join(dir, 'config.json'),
    };
    // freqtrade makes the user dir's subdirectories itself; only the dir must exist (no create-userdir).
    mkdirSync(path.join(w.userDataDir, 'strategies'), { recursive: true });
    try {
      await prepareWorkdir(w, spec, className, target.bin, env);
      await checkStrategyLoads(w, className, target.bin, env);
      result.loads_on_target = true;
    } catch (err) {
      const d = (err as AppException).details as { reason?: unknown } | undefined;
      result.error = typeof d?.reason === 'string' ? d.reason : (err as Error).message;
      return result;
    }

    const exchange = str(spec.config.exchange, 'binance');
    const pairs = Array.isArray(spec.config.pair_whitelist) ? spec.config.pair_whitelist.map(String) : [];
    const datadir = path.join(this.config.paths.dataDir, 'freqtrade', 'compat-data', exchange);
    const config = buildBotConfig({
      strategyId: spec.strategyId,
      strategyClass: className,
      strategyDir: w.strategyDir,
      userDataDir: w.userDataDir,
      exchange,
      pairs,
      timeframe: typeof spec.config.timeframe === 'string' ? spec.config.timeframe : null,
      // Never started: no command of the check runs the API server.
      api: { port: 1, username: 'unused', password: 'unused', jwtSecret: 'unused', wsToken: 'unused' },
      processThrottleSeconds: this.config.freqtrade.processThrottleSeconds,
      urlOverrides: await exchangeUrlOverrides(base.bin, exchange, this.config.exchangeUrlOverrides, env),
    });
    delete config.api_server;
    writeBotConfig(w, config);

    // The strategy's own timeframe only when the config does not name one.
    let timeframe = typeof config.timeframe === 'string' ? config.timeframe : null;
    if (!timeframe) {
      const described = await runProbe(base.bin, w.configFile, 'describe', datadir, CANDLES, env, ctx.signal);
      const onTarget = described.ok
        ? described
        : await runProbe(target.bin, w.configFile, 'describe', datadir, CANDLES, env, ctx.signal);
      if (!onTarget.ok)
        return { ...result, interface_version: onTarget.interface_version, error: onTarget.error };
      timeframe = onTarget.timeframe;
    }
    if (!timeframeMs(timeframe)) return { ...result, error: `unsupported timeframe ${timeframe}` };
    const key = `${exchange}\0${timeframe}\0${[...pairs].sort().join(',')}`;
    if (!downloaded.has(key)) {
      // Room for startup candles of up to CANDLES too; each probe takes the tail it needs.
      await this.download(base.bin, w, datadir, pairs, timeframe, 2 * CANDLES, ctx);
      downloaded.add(key);
    }

    // Both versions on the same candles, side by side.
    const [current, next] = await Promise.all([
      runProbe(base.bin, w.configFile, 'signals', datadir, CANDLES, env, ctx.signal),
      runProbe(target.bin, w.configFile, 'signals', datadir, CANDLES, env, ctx.signal),
    ]);
    result.interface_version = next.interface_version ?? current.interface_version;
    return judge(result, current, next, base.version);
  }

  /** `download-data` with the active version, from the configured exchange, into the shared data dir. */
  private async download(
    bin: string,
    w: BotWorkdir,
    datadir: string,
    pairs: string[],
    timeframe: string,
    candles: number,
    ctx: TaskContext,
  ): Promise<void> {
    const tf = timeframeMs(timeframe)!;
    const start = Math.floor(this.clock.now() / tf) * tf - candles * tf;
    const r = await runCommand(
      bin,
      [
        'download-data',
        '-c',
        w.configFile,
        '--userdir',
        w.userDataDir,
        '-p',
        ...pairs,
        '-t',
        timeframe,
        '--datadir',
        datadir,
        '--timerange',
        `${Math.floor(start / 1000)}-`,
        '--data-format-ohlcv',
        'feather',
        '--no-color',
      ],
      {
        env: { ...this.config.freqtrade.childEnv, TZ: 'UTC', COLUMNS: '100000' },
        cwd: w.dir,
        timeoutMs: 600_000,
        keepLines: 30,
        signal: ctx.signal,
      },
    );
    if (r.code !== 0)
      throw new Error(
        `download-data failed (exit ${r.code ?? r.signal}): ${redactSecrets(r.tail.slice(-5).join(' | '))}`,
      );
  }
}

function emptyResult(spec: StrategyRunSpec): StrategyCompatibility {
  return {
    strategy_id: spec.strategyId,
    strategy_name: spec.name,
    strategy_class: str(spec.config.strategy_class, ''),
    strategy_version: spec.version,
    verdict: 'incompatible',
    interface_version: null,
    loads_on_target: false,
    candles: 0,
    signals_current: null,
    signals_target: null,
    differences: [],
    error: null,
  };
}

/** The verdict from the two probes. */
export function judge(
  result: StrategyCompatibility,
  current: ProbeResult,
  next: ProbeResult,
  baseVersion: string,
): StrategyCompatibility {
  if (!next.ok) return { ...result, verdict: 'incompatible', error: next.error };
  const sum = (p: typeof next.pairs) => Object.values(p).reduce((n, x) => n + x.signals.length, 0);
  const out: StrategyCompatibility = {
    ...result,
    candles: Object.values(next.pairs).reduce((n, x) => n + x.candles, 0),
    signals_target: sum(next.pairs),
  };
  if (!current.ok)
    return { ...out, verdict: 'changed', error: `does not run on ${baseVersion}: ${current.error}` };
  const { differences } = diffSignals(current.pairs, next.pairs);
  return {
    ...out,
    signals_current: sum(current.pairs),
    differences,
    verdict: differences.length ? 'changed' : 'compatible',
  };
}

function count(row: FreqtradeCompatibilityCheck): void {
  row.totalStrategies = row.results.length;
  row.compatibleStrategies = row.results.filter((r) => r.verdict === 'compatible').length;
  row.changedStrategies = row.results.filter((r) => r.verdict === 'changed').length;
  row.incompatibleStrategies = row.results.filter((r) => r.verdict === 'incompatible').length;
}
