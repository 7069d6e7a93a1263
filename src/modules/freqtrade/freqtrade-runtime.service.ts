import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppException } from '../../common/errors/app.exception.js';
import {
  Events,
  type StrategyRuntimeFailedEvent,
  type StrategyRuntimeRecoveredEvent,
  type SystemAlertEvent,
} from '../../common/events/event-map.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { redactedProxyUrl, type ProxyEndpoint } from '../../infra/http/proxy-endpoint.js';
import { ProxySelector } from '../../infra/http/proxy-selector.js';
import { Metrics } from '../../infra/metrics/metrics.js';
import { SignalsService } from '../signals/signals.service.js';
import { StrategyLogsService } from '../strategies/strategy-logs.service.js';
import { strategyProxyRequest } from '../strategies/strategy-proxy-users.js';
import {
  StrategyRuntimeRegistry,
  type StrategyRunSpec,
  type StrategyRuntime,
} from '../strategies/strategy-runtime.port.js';
import {
  buildBotConfig,
  ccxtProxyConfig,
  type BotApiCredentials,
  type BotConfigInput,
} from './bot/bot-config.js';
import { BotProcess } from './bot/bot-process.js';
import { BotSupervisor, type LaunchedBot } from './bot/bot-supervisor.js';
import {
  botWorkdir,
  checkStrategyLoads,
  prepareWorkdir,
  writeBotConfig,
  type BotWorkdir,
} from './bot/bot-workdir.js';
import { exchangeUrlOverrides } from './bot/exchange-urls.js';
import { FreqtradeApiClient } from './bot/freqtrade-api.client.js';
import type { FreqtradeLogRecord } from './bot/freqtrade-log-parser.js';
import { freePort } from './bot/free-port.js';
import { forgetBotPid, killStaleBot, recordBotPid } from './bot/stale-bot.js';
import { BotCapture } from './capture/bot-capture.js';
import { FreqtradeInstallationsService } from './install/freqtrade-installations.service.js';
import { BotLeases } from './bot-leases.service.js';

/** A supervised bot and what its health score needs that the bot cannot tell. */
export interface RunningBot {
  spec: StrategyRunSpec;
  supervisor: BotSupervisor;
  /** Times of WARNING / ERROR+ records (log lines and websocket notices), pruned to 15 minutes. */
  warnings: number[];
  errors: number[];
  /** The proxy its exchange traffic goes through (null: direct), and how to rewrite its config. */
  proxy?: { endpoint: ProxyEndpoint | null; workdir: BotWorkdir; input: BotConfigInput };
}

const WINDOW_15M = 15 * 60_000;
const PING_EVERY_MS = 250;
// Every monitor is a dry run by design; freqtrade's notice about it is not news.
const BENIGN_WARNING = /^Dry run is enabled/;

const secret = () => randomBytes(24).toString('base64url');
const str = (v: unknown, fallback: string) => (typeof v === 'string' && v ? v : fallback);

/**
 * StrategyRuntime on real freqtrade: each running strategy is a `freqtrade trade` dry-run process
 * in its own workdir, supervised (crash → error, alert, restart with backoff), its logs stored, its
 * message websocket captured into the signal journal.
 */
@Injectable()
export class FreqtradeRuntime implements StrategyRuntime, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FreqtradeRuntime.name);
  readonly bots = new Map<number, RunningBot>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly installations: FreqtradeInstallationsService,
    private readonly signals: SignalsService,
    private readonly logs: StrategyLogsService,
    private readonly events: EventEmitter2,
    private readonly registry: StrategyRuntimeRegistry,
    private readonly leases: BotLeases,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly proxies: ProxySelector,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.registry.use(this);
  }

  async ensureAvailable(): Promise<void> {
    await this.installations.requireActive();
  }

  async start(spec: StrategyRunSpec): Promise<void> {
    if (this.bots.has(spec.strategyId)) await this.stop(spec.strategyId);
    const ft = await this.installations.requireActive();
    if (!(await this.leases.acquire(spec.strategyId)))
      throw new AppException('STRATEGY_BUSY', { reason: 'another BTC Watcher instance runs this strategy' });
    const bot: RunningBot = {
      spec,
      warnings: [],
      errors: [],
      supervisor: undefined as unknown as BotSupervisor,
    };
    bot.supervisor = new BotSupervisor(
      {
        launch: (onExit) => this.launch(bot, ft, onExit),
        crashed: (reason, lastLines, retryInMs) => this.crashed(bot, reason, lastLines, retryInMs),
        recovered: () => this.recovered(bot),
        now: () => this.clock.now(),
      },
      this.config.freqtrade.maxRestartsPerHour,
      this.config.freqtrade.stopGraceMs,
    );
    this.bots.set(spec.strategyId, bot);
    try {
      await bot.supervisor.start();
    } catch (err) {
      this.bots.delete(spec.strategyId);
      await this.leases.release(spec.strategyId).catch(() => undefined);
      throw err;
    }
  }

  async stop(strategyId: number): Promise<void> {
    const bot = this.bots.get(strategyId);
    if (!bot) return;
    await bot.supervisor.stop();
    this.bots.delete(strategyId);
    await this.leases.release(strategyId).catch(() => undefined);
  }

  async restart(spec: StrategyRunSpec): Promise<void> {
    await this.stop(spec.strategyId);
    await this.start(spec);
  }

  /** On shutdown every bot stops cleanly (SIGTERM, then SIGKILL): no orphan survives us. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.bots.keys()].map((id) => this.stop(id)));
  }

  private async launch(
    bot: RunningBot,
    ft: { bin: string; version: string },
    onExit: ConstructorParameters<typeof BotProcess>[0]['onExit'],
  ): Promise<LaunchedBot> {
    const { spec } = bot;
    const env = this.config.freqtrade.childEnv;
    const className = str(spec.config.strategy_class, '');
    const pairs = Array.isArray(spec.config.pair_whitelist) ? spec.config.pair_whitelist.map(String) : [];
    const exchange = str(spec.config.exchange, 'binance');
    const w = botWorkdir(this.config.paths.dataDir, spec.strategyId);
    const stale = await killStaleBot(w.dir, w.configFile);
    if (stale)
      this.logger.warn(`strategy ${spec.strategyId}: killed bot ${stale} left over from a previous run`);
    await prepareWorkdir(w, spec, className, ft.bin, env);
    await checkStrategyLoads(w, className, ft.bin, env);
    const api: BotApiCredentials = {
      port: await freePort(),
      username: `btcw-${randomBytes(6).toString('hex')}`,
      password: secret(),
      jwtSecret: secret(),
      wsToken: secret(),
    };
    const proxy = await this.proxyFor(spec);
    const input: BotConfigInput = {
      strategyId: spec.strategyId,
      strategyClass: className,
      strategyDir: w.strategyDir,
      userDataDir: w.userDataDir,
      exchange,
      pairs,
      timeframe: typeof spec.config.timeframe === 'string' ? spec.config.timeframe : null,
      api,
      processThrottleSeconds: this.config.freqtrade.processThrottleSeconds,
      urlOverrides: await exchangeUrlOverrides(ft.bin, exchange, this.config.exchangeUrlOverrides, env),
    };
    writeBotConfig(w, buildBotConfig({ ...input, proxy: ccxtProxyConfig(proxy.endpoint) }));
    bot.proxy = { endpoint: proxy.endpoint, workdir: w, input };
    if (proxy.note) await this.logs.append(spec.strategyId, [{ level: 'INFO', message: proxy.note }]);
    const process = new BotProcess({
      bin: ft.bin,
      workdir: w.dir,
      configFile: w.configFile,
      userDataDir: w.userDataDir,
      env,
      onLogs: (records) => this.storeLogs(bot, records),
      onExit: (info) => {
        forgetBotPid(w.dir);
        onExit(info);
      },
    });
    const startedAt = this.clock.now();
    process.start();
    recordBotPid(w.dir, process.pid);
    const client = new FreqtradeApiClient(api);
    await this.waitReady(process, client, `btcw-${spec.strategyId}`);
    const capture = new BotCapture({
      strategyId: spec.strategyId,
      exchange,
      strengthColumn: str(spec.config.strength_column, 'signal_strength'),
      indicatorColumns: Array.isArray(spec.config.indicator_columns)
        ? spec.config.indicator_columns.map(String)
        : [],
      freqtradeVersion: ft.version,
      port: api.port,
      wsToken: api.wsToken,
      ingest: (candidates) => this.signals.ingest(candidates),
      onNotice: (level, text, kind) => this.notice(bot, level, text, kind),
      now: () => this.clock.now(),
    });
    capture.start();
    return { process, api: client, capture, startedAt, freqtradeVersion: ft.version };
  }

  /**
   * The proxy the strategy's settings and the pool give it now. Throws PROXY_UNAVAILABLE (503) when
   * it must use a proxy, has none, and its policy is hold: it never silently goes direct.
   */
  private async proxyFor(spec: StrategyRunSpec): Promise<{ endpoint: ProxyEndpoint | null; note?: string }> {
    const req = strategyProxyRequest(spec.ownerId, spec.config);
    if (!req) return { endpoint: null };
    const choice = await this.proxies.choose(req);
    const where = choice.endpoint
      ? `proxy #${choice.endpoint.id} ${redactedProxyUrl(choice.endpoint)}`
      : 'no proxy (direct)';
    return { endpoint: choice.endpoint, note: `Exchange traffic goes through ${where} (${choice.via})` };
  }

  /**
   * Until the API answers on its port and names itself as our bot. freqtrade hangs instead of
   * exiting when its port is taken (reference §0.8), so no answer in time is a failed start.
   */
  private async waitReady(process: BotProcess, client: FreqtradeApiClient, name: string): Promise<void> {
    const deadline = this.clock.now() + this.config.freqtrade.startTimeoutMs;
    while (this.clock.now() < deadline) {
      if (!process.running) {
        await process.kill();
        throw new AppException('STRATEGY_START_FAILED', {
          reason: 'freqtrade exited during start-up',
          freqtrade_output: process.lastLines(15).join('\n'),
        });
      }
      if ((await client.ping(1000)) && (await client.botName()) === name) return;
      await new Promise((r) => setTimeout(r, PING_EVERY_MS));
    }
    await process.kill();
    throw new AppException('STRATEGY_START_FAILED', {
      reason: `freqtrade did not answer on its API within ${this.config.freqtrade.startTimeoutMs / 1000} s`,
      freqtrade_output: process.lastLines(15).join('\n'),
    });
  }

  private storeLogs(bot: RunningBot, records: FreqtradeLogRecord[]): void {
    const now = this.clock.now();
    for (const r of records) {
      if (r.level === 'WARNING') bot.warnings.push(now);
      else if (r.level === 'ERROR' || r.level === 'CRITICAL') bot.errors.push(now);
    }
    this.logs
      .append(
        bot.spec.strategyId,
        records.map((r) => ({
          level: r.level,
          source: 'freqtrade' as const,
          message: r.logger ? `${r.logger} - ${r.message}` : r.message,
          timestamp: r.timestamp ?? undefined,
        })),
      )
      .catch((err: Error) =>
        this.logger.warn(`could not store logs of strategy ${bot.spec.strategyId}: ${err.message}`),
      );
  }

  private notice(bot: RunningBot, level: 'INFO' | 'WARNING' | 'ERROR', text: string, kind: string): void {
    const { strategyId, ownerId, name } = bot.spec;
    if (kind === 'warning' && BENIGN_WARNING.test(text)) return;
    const now = this.clock.now();
    if (level === 'WARNING') bot.warnings.push(now);
    if (level === 'ERROR') bot.errors.push(now);
    this.logs
      .append(strategyId, [
        { level, source: kind === 'capture' ? 'system' : 'freqtrade', message: `[${kind}] ${text}` },
      ])
      .catch(() => undefined);
    if (kind === 'warning' || kind === 'exception') {
      this.events.emit(Events.SystemAlert, {
        level: kind === 'exception' ? 'error' : 'warning',
        message: `${name}: ${text.slice(0, 500)}`,
        component: 'freqtrade',
        ownerId,
      } satisfies SystemAlertEvent);
    }
  }

  private crashed(bot: RunningBot, reason: string, lastLines: string[], retryInMs: number | null): void {
    const { strategyId, ownerId, name } = bot.spec;
    this.logger.warn(`strategy ${strategyId}: ${reason}`);
    if (retryInMs !== null) this.metrics.freqtradeRestart(strategyId);
    this.events.emit(Events.StrategyRuntimeFailed, {
      strategyId,
      ownerId,
      reason,
      lastLines,
      retryInMs,
    } satisfies StrategyRuntimeFailedEvent);
    this.events.emit(Events.SystemAlert, {
      level: retryInMs === null ? 'critical' : 'error',
      message: `${name}: ${reason}${retryInMs === null ? '; automatic restarts exhausted' : `; restarting in ${Math.round(retryInMs / 1000)} s`}`,
      component: 'freqtrade',
      ownerId,
    } satisfies SystemAlertEvent);
  }

  private recovered(bot: RunningBot): void {
    const { strategyId, ownerId } = bot.spec;
    this.events.emit(Events.StrategyRuntimeRecovered, {
      strategyId,
      ownerId,
    } satisfies StrategyRuntimeRecoveredEvent);
  }

  /** Warnings and errors in the last 15 minutes. */
  recentTrouble(bot: RunningBot): { warnings: number; errors: number } {
    const since = this.clock.now() - WINDOW_15M;
    while (bot.warnings.length && bot.warnings[0] < since) bot.warnings.shift();
    while (bot.errors.length && bot.errors[0] < since) bot.errors.shift();
    return { warnings: bot.warnings.length, errors: bot.errors.length };
  }
}
