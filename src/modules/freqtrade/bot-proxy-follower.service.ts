import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AppException } from '../../common/errors/app.exception.js';
import { Events, type ProxyPoolChangedEvent } from '../../common/events/event-map.js';
import {
  proxyUrlWithCredentials,
  redactedProxyUrl,
  type ProxyEndpoint,
} from '../../infra/http/proxy-endpoint.js';
import { ProxySelector, type ProxyChoice } from '../../infra/http/proxy-selector.js';
import { StrategiesService } from '../strategies/strategies.service.js';
import { StrategyLifecycleService } from '../strategies/strategy-lifecycle.service.js';
import { StrategyLogsService } from '../strategies/strategy-logs.service.js';
import { strategyProxyRequest } from '../strategies/strategy-proxy-users.js';
import { buildBotConfig, ccxtProxyConfig } from './bot/bot-config.js';
import { writeBotConfig } from './bot/bot-workdir.js';
import { FreqtradeRuntime, type RunningBot } from './freqtrade-runtime.service.js';

/** Also re-asked on a timer: pool changes seen by another instance arrive here as no event. */
const RECONCILE_EVERY_MS = 30_000;

const label = (p: ProxyEndpoint | null) =>
  p ? `proxy #${p.id} ${redactedProxyUrl(p)}` : 'no proxy (direct)';
const sameProxy = (a: ProxyEndpoint | null, b: ProxyEndpoint | null) =>
  (a ? proxyUrlWithCredentials(a) : null) === (b ? proxyUrlWithCredentials(b) : null);

/**
 * Keeps each running bot on the proxy the pool gives it now. When that changes (its proxy died
 * and the pool fails over, or it came back), the bot's config.json is rewritten and the bot told
 * to reload it (POST /api/v1/reload_config), or restarted when it will not; a strategy log line
 * says from what, to what and why. While every proxy is down under policy hold, it keeps its own.
 */
@Injectable()
export class BotProxyFollower implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BotProxyFollower.name);
  private timer?: NodeJS.Timeout;
  private queue: Promise<unknown> = Promise.resolve();
  /** Bots moved to another proxy, for metrics. */
  switches = 0;

  constructor(
    private readonly runtime: FreqtradeRuntime,
    private readonly selector: ProxySelector,
    private readonly logs: StrategyLogsService,
    private readonly strategies: StrategiesService,
    private readonly lifecycle: StrategyLifecycleService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.reconcile(null, 'periodic check'), RECONCILE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  @OnEvent(Events.ProxyPoolChanged, { async: true, promisify: true })
  onPoolChanged(e: ProxyPoolChangedEvent): Promise<number> {
    return this.reconcile(e.ownerId, e.reason);
  }

  /** Re-asks the pool for every running bot (of one owner); resolves to how many were moved. */
  reconcile(ownerId: number | null, reason: string): Promise<number> {
    const run = this.queue.then(async () => {
      let moved = 0;
      for (const bot of [...this.runtime.bots.values()]) {
        if (ownerId !== null && bot.spec.ownerId !== ownerId) continue;
        if (await this.follow(bot, reason).catch((err: Error) => this.failed(bot, err))) moved++;
      }
      return moved;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async follow(bot: RunningBot, reason: string): Promise<boolean> {
    const current = bot.proxy;
    if (!current || bot.supervisor.state !== 'running') return false;
    const req = strategyProxyRequest(bot.spec.ownerId, bot.spec.config);
    let choice: ProxyChoice;
    try {
      choice = req ? await this.selector.choose(req) : { endpoint: null, via: 'direct' };
    } catch (err) {
      if (err instanceof AppException && err.code === 'PROXY_UNAVAILABLE') return false;
      throw err;
    }
    // Policy hold with everything down: stay on the proxy it has rather than hop between dead ones.
    if (choice.via === 'hold' && current.endpoint) return false;
    if (sameProxy(choice.endpoint, current.endpoint)) return false;
    const { strategyId } = bot.spec;
    const line = `Proxy changed: ${label(current.endpoint)} → ${label(choice.endpoint)} (${choice.via}; ${reason})`;
    writeBotConfig(
      current.workdir,
      buildBotConfig({ ...current.input, proxy: ccxtProxyConfig(choice.endpoint) }),
    );
    bot.proxy = { ...current, endpoint: choice.endpoint };
    this.switches++;
    const reloaded = (await bot.supervisor.bot?.api.reloadConfig()) ?? false;
    await this.logs.append(strategyId, [
      { level: 'WARNING', message: `${line}; ${reloaded ? 'config reloaded' : 'restarting the bot'}` },
    ]);
    this.logger.log(`strategy ${strategyId}: ${line}`);
    if (!reloaded) {
      // Through the lifecycle, so a restart that fails leaves the strategy in error, not "running".
      await this.lifecycle.restartIfRunning(await this.strategies.findOwned(bot.spec.ownerId, strategyId));
    }
    return true;
  }

  private failed(bot: RunningBot, err: Error): false {
    this.logger.warn(`strategy ${bot.spec.strategyId}: could not follow the proxy pool: ${err.message}`);
    return false;
  }
}
