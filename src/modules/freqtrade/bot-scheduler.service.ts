import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { StrategyLifecycleService } from '../strategies/strategy-lifecycle.service.js';
import { BotLeases } from './bot-leases.service.js';
import { FreqtradeRuntime } from './freqtrade-runtime.service.js';
import { BotHealthService } from './health/bot-health.service.js';
import { FreqtradeInstallationsService } from './install/freqtrade-installations.service.js';

const RENEW_MS = 10_000;
const TAKEOVER_MS = 15_000;
const HEALTH_MS = 30_000;

/**
 * The runtime's clocks: lease renewal, taking over strategies nobody runs (at start-up this brings
 * back what was running before we stopped), and the health score.
 */
@Injectable()
export class BotScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BotScheduler.name);
  private readonly timers: NodeJS.Timeout[] = [];
  private takingOver?: Promise<void>;

  constructor(
    private readonly runtime: FreqtradeRuntime,
    private readonly leases: BotLeases,
    private readonly health: BotHealthService,
    private readonly lifecycle: StrategyLifecycleService,
    private readonly installations: FreqtradeInstallationsService,
  ) {}

  onApplicationBootstrap(): void {
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => void fn().catch((err: Error) => this.logger.warn(err.message)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(RENEW_MS, () => this.leases.renew([...this.runtime.bots.keys()]));
    every(TAKEOVER_MS, () => this.takeOver());
    every(HEALTH_MS, () => this.health.refresh());
    void this.takeOver().catch((err: Error) => this.logger.warn(`resuming strategies: ${err.message}`));
  }

  onApplicationShutdown(): void {
    this.timers.forEach(clearInterval);
  }

  /** Starts every strategy meant to be running that no live instance runs. One round at a time. */
  takeOver(): Promise<void> {
    this.takingOver ??= this.round().finally(() => (this.takingOver = undefined));
    return this.takingOver;
  }

  private async round(): Promise<void> {
    if (this.installations.switching) return;
    const ids = await this.leases.orphans([...this.runtime.bots.keys()]);
    if (!ids.length) return;
    if (!(await this.installations.active())) {
      this.logger.warn(`${ids.length} strategy(ies) should be running, but freqtrade is not installed`);
      return;
    }
    for (const id of ids) {
      if (!(await this.leases.acquire(id))) continue;
      try {
        const name = await this.lifecycle.resume(id);
        if (name) this.logger.log(`resumed strategy ${id} (${name})`);
      } catch (err) {
        this.logger.warn(`could not resume strategy ${id}: ${(err as Error).message}`);
        await this.leases.release(id).catch(() => undefined);
      }
    }
  }
}
