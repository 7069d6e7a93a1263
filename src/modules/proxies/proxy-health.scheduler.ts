import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { LOCK, runExclusive, type Lock } from '../../infra/cache/cache.port.js';
import { LockName } from '../../infra/cache/lock-names.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { ProxyChecksService } from './proxy-checks.service.js';

const BATCH = 50;
const CONCURRENCY = 8;

/**
 * Every PROXY_HEALTH_TICK_SECONDS: checks each enabled proxy whose next check is due. Each check
 * runs under a lock named after its proxy, and re-reads the due time once it holds it, so with N
 * instances each due check runs once.
 */
@Injectable()
export class ProxyHealthScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ProxyHealthScheduler.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<number> | null = null;

  constructor(
    private readonly checks: ProxyChecksService,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      void this.tick().catch((err: Error) => this.logger.warn(`proxy health tick failed: ${err.message}`));
    }, this.config.proxies.tickMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Runs the due checks; a tick while one runs joins it. Returns how many checks ran. */
  tick(): Promise<number> {
    this.running ??= this.runDue().finally(() => (this.running = null));
    return this.running;
  }

  @Cron(CronExpression.EVERY_HOUR, { name: 'proxy-check-prune' })
  async prune(): Promise<number> {
    const n = await runExclusive(this.lock, LockName.ProxyCheckPrune, 5 * 60_000, () => this.checks.prune());
    if (n) this.logger.log(`pruned ${n} proxy checks`);
    return n ?? 0;
  }

  private async runDue(): Promise<number> {
    const ids = await this.checks.due(BATCH);
    let ran = 0;
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        if (await this.checkOne(id)) ran++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
    return ran;
  }

  private async checkOne(id: number): Promise<boolean> {
    const [p] = await this.checks.load([id]);
    if (!p) return false;
    const ttl = p.checkTimeoutSeconds * 1000 + 30_000;
    const done = await runExclusive(this.lock, `${LockName.ProxyCheck}:${id}`, ttl, async () => {
      // Another instance may have checked it between our read and the lock.
      const [fresh] = await this.checks.load([id]);
      if (!fresh?.enabled || !fresh.nextCheckAt || fresh.nextCheckAt.getTime() > this.clock.now())
        return false;
      await this.checks.check(fresh, 'scheduled');
      return true;
    }).catch((err: Error) => {
      this.logger.warn(`check of proxy ${id} failed: ${err.message}`);
      return false;
    });
    return done === true;
  }
}
