import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import type { AuthUser } from '../../../common/auth/auth-user.js';
import { AppException } from '../../../common/errors/app.exception.js';
import {
  Events,
  type StrategyRuntimeRecoveredEvent,
  type SystemAlertEvent,
} from '../../../common/events/event-map.js';
import type { AppConfig } from '../../../config/app-config.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import { LOCK, type Lock } from '../../../infra/cache/cache.port.js';
import { LockName } from '../../../infra/cache/lock-names.js';
import { CLOCK, type Clock } from '../../../infra/clock/clock.port.js';
import type { StrategyRunSpec } from '../../strategies/strategy-runtime.port.js';
import type { TaskResponseDto } from '../../tasks/dto/task.response.dto.js';
import { TaskRunner, type TaskContext } from '../../tasks/task-runner.service.js';
import { FreqtradeCompatibilityCheck } from '../entities/freqtrade-compatibility-check.entity.js';
import { FreqtradeInstallation } from '../entities/freqtrade-installation.entity.js';
import { FreqtradeRuntime } from '../freqtrade-runtime.service.js';
import { BotHealthService, HEALTHY_SCORE } from '../health/bot-health.service.js';
import { FreqtradeInstallationsService } from '../install/freqtrade-installations.service.js';
import { FreqtradeVersionsService } from './freqtrade-versions.service.js';
import { isSupportedVersion } from './release-index.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
const errorText = (err: unknown) => {
  if (err instanceof AppException) {
    const d = err.details as { reason?: unknown; freqtrade_output?: unknown } | undefined;
    const said =
      typeof d?.freqtrade_output === 'string'
        ? d.freqtrade_output
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .pop()
        : undefined;
    const reason = typeof d?.reason === 'string' ? `${err.message}: ${d.reason}` : err.message;
    return said ? `${reason} (freqtrade: ${said.slice(0, 300)})` : reason;
  }
  return err instanceof Error ? err.message : String(err);
};

interface SwitchOutcome {
  from: string;
  to: string;
  bots: number;
  switch_ms: number;
  pruned: string[];
}

/**
 * Upgrade and rollback: stop the running bots, switch the active version, start them on the new
 * venv, and wait until each is healthy (score ≥ HEALTHY_SCORE, capture connected) within
 * FREQTRADE_SWITCH_VERIFY_SECONDS. Any failure switches back, restarts the bots on the previous
 * version and raises an `error` system_alert. One switch at a time (Lock port). The bots restarted
 * are the ones this instance runs; the capture's backfill on reconnect covers the restart gap.
 */
@Injectable()
export class FreqtradeSwitchService {
  private readonly logger = new Logger(FreqtradeSwitchService.name);

  constructor(
    private readonly installations: FreqtradeInstallationsService,
    private readonly versions: FreqtradeVersionsService,
    private readonly runtime: FreqtradeRuntime,
    private readonly health: BotHealthService,
    private readonly tasks: TaskRunner,
    private readonly events: EventEmitter2,
    @InjectRepository(FreqtradeInstallation) private readonly rows: Repository<FreqtradeInstallation>,
    @InjectRepository(FreqtradeCompatibilityCheck)
    private readonly checks: Repository<FreqtradeCompatibilityCheck>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async upgrade(user: AuthUser, target: string, force: boolean): Promise<TaskResponseDto> {
    this.requireManaged(user);
    if (!isSupportedVersion(target))
      throw new AppException('FREQTRADE_VERSION_UNSUPPORTED', { version: target });
    if (!force) {
      const passed = await this.checks.existsBy({
        targetVersion: target,
        status: 'completed',
        incompatibleStrategies: 0,
      });
      if (!passed) throw new AppException('COMPATIBILITY_CHECK_REQUIRED', { target_version: target });
    }
    const active = await this.installations.activeRow();
    if (active?.version === target)
      throw new AppException(
        'BAD_REQUEST',
        { target_version: target },
        `freqtrade ${target} is already active`,
      );
    return this.submit('freqtrade.upgrade', { target_version: target, force }, target, async (ctx) => {
      await this.installations.ensureInstalled(target, ctx);
      return this.switchTo(target, ctx, true);
    });
  }

  async rollback(user: AuthUser, target?: string): Promise<TaskResponseDto> {
    this.requireManaged(user);
    const active = await this.installations.activeRow();
    let row: FreqtradeInstallation | null;
    if (target) {
      row = await this.installations.findInstalled(target);
      if (!row) throw new AppException('FREQTRADE_VERSION_NOT_FOUND', { version: target });
    } else {
      row = await this.rows.findOne({
        where: { status: 'installed', isActive: false, ...(active ? { id: Not(active.id) } : {}) },
        order: { activatedAt: { direction: 'DESC', nulls: 'LAST' }, installedAt: 'DESC' },
      });
      if (!row)
        throw new AppException(
          'FREQTRADE_VERSION_NOT_FOUND',
          {},
          'There is no other installed freqtrade version to roll back to',
        );
    }
    if (active?.version === row.version)
      throw new AppException(
        'BAD_REQUEST',
        { target_version: row.version },
        `freqtrade ${row.version} is already active`,
      );
    const to = row.version;
    return this.submit('freqtrade.rollback', { target_version: to }, to, (ctx) =>
      this.switchTo(to, ctx, false),
    );
  }

  private requireManaged(user: AuthUser): void {
    if (!user.isSuperuser)
      throw new AppException('FORBIDDEN', {}, 'Only a superuser may switch the freqtrade version');
    if (this.config.freqtrade.bin) throw new AppException('FREQTRADE_BIN_PINNED');
  }

  /** Takes the switch lock for the task's whole life: a second upgrade answers 409 at once. */
  private async submit(
    taskName: string,
    args: Record<string, string | boolean>,
    version: string,
    work: (ctx: TaskContext) => Promise<SwitchOutcome>,
  ): Promise<TaskResponseDto> {
    const handle = await this.lock.tryAcquire(LockName.FreqtradeSwitch, 60 * 60_000);
    if (!handle) throw new AppException('FREQTRADE_SWITCH_IN_PROGRESS');
    try {
      return await this.tasks.submit(
        { taskName, args, userId: null, relatedType: 'freqtrade_version', relatedId: version },
        async (ctx) => {
          try {
            return { ...(await work(ctx)) };
          } finally {
            await handle.release().catch(() => undefined);
          }
        },
      );
    } catch (err) {
      await handle.release().catch(() => undefined);
      throw err;
    }
  }

  private async switchTo(target: string, ctx: TaskContext, prune: boolean): Promise<SwitchOutcome> {
    const started = this.clock.now();
    const previous = await this.installations.activeRow();
    if (!previous) {
      // Nothing ran before: activating is all there is to do.
      await this.installations.activate(target);
      return { from: '', to: target, bots: 0, switch_ms: this.clock.now() - started, pruned: [] };
    }
    const specs = [...this.runtime.bots.values()].map((b) => b.spec);
    ctx.progress(40, `switching ${specs.length} bot(s) from freqtrade ${previous.version} to ${target}`);
    this.installations.switching = true;
    try {
      return await this.switchBots(previous.version, target, specs, ctx, prune, started);
    } finally {
      this.installations.switching = false;
    }
  }

  private async switchBots(
    from: string,
    target: string,
    specs: StrategyRunSpec[],
    ctx: TaskContext,
    prune: boolean,
    started: number,
  ): Promise<SwitchOutcome> {
    try {
      await this.installations.activate(target);
      await this.restartAll(specs, ctx, target);
      await this.verify(specs, ctx, target);
    } catch (err) {
      const why = errorText(err);
      this.logger.warn(`switch to freqtrade ${target} failed (${why}); rolling back to ${from}`);
      ctx.progress(null, `failed: ${why}; rolling back to freqtrade ${from}`);
      await this.installations.activate(from);
      let back = 'the bots are running on it again';
      try {
        await this.restartAll(specs, ctx, from, true);
        await this.verify(specs, ctx, from);
      } catch (again) {
        back = `but the bots did not all come back: ${errorText(again)}`;
      }
      this.events.emit(Events.SystemAlert, {
        level: 'error',
        message:
          `freqtrade switch to ${target} failed and was rolled back to ${from} (${back}): ${why}`.slice(
            0,
            2000,
          ),
        component: 'freqtrade',
        ownerId: null,
      } satisfies SystemAlertEvent);
      throw new AppException(
        'FREQTRADE_SWITCH_FAILED',
        { reason: why, rolled_back_to: from, bots_back: back.startsWith('the bots are running') },
        `switch to freqtrade ${target} failed and was rolled back to ${from}: ${why}`.slice(0, 2000),
      );
    }
    const pruned = prune ? await this.versions.prune() : [];
    ctx.progress(100, `freqtrade ${target} is active; ${specs.length} bot(s) healthy on it`);
    return {
      from: from,
      to: target,
      bots: specs.length,
      switch_ms: this.clock.now() - started,
      pruned,
    };
  }

  /**
   * Each bot: stop, then start on whatever is active now. Forward, the first failure stops the
   * round (everything is switched back anyway); when going back, every bot is tried, a failed start
   * once more, and the failures are reported together.
   */
  private async restartAll(
    specs: StrategyRunSpec[],
    ctx: TaskContext,
    version: string,
    goingBack = false,
  ): Promise<void> {
    const failures: string[] = [];
    for (const [i, spec] of specs.entries()) {
      if (ctx.signal.aborted && !goingBack) throw new Error('cancelled');
      ctx.progress(null, `restarting ${spec.name} on freqtrade ${version} (${i + 1}/${specs.length})`);
      if (!goingBack) {
        await this.runtime.restart(spec);
        continue;
      }
      try {
        await this.runtime.restart(spec);
      } catch {
        await sleep(2000);
        await this.runtime
          .restart(spec)
          .catch((err: unknown) => failures.push(`${spec.name}: ${errorText(err)}`));
      }
    }
    if (failures.length) throw new Error(failures.join('; '));
  }

  /**
   * Until every bot runs on `version`, its capture is connected and its score is healthy. A bot
   * that crashed during the switch (its strategy turned `error`) is then reported recovered.
   */
  private async verify(specs: StrategyRunSpec[], ctx: TaskContext, version: string): Promise<void> {
    await this.waitHealthy(specs, ctx, version);
    for (const s of specs)
      this.events.emit(Events.StrategyRuntimeRecovered, {
        strategyId: s.strategyId,
        ownerId: s.ownerId,
      } satisfies StrategyRuntimeRecoveredEvent);
  }

  private async waitHealthy(specs: StrategyRunSpec[], ctx: TaskContext, version: string): Promise<void> {
    const deadline = this.clock.now() + this.config.freqtrade.switchVerifyMs;
    const pending = new Map(specs.map((s) => [s.strategyId, 'not checked yet']));
    while (pending.size) {
      for (const id of [...pending.keys()]) {
        const bot = this.runtime.bots.get(id);
        const launched = bot?.supervisor.bot;
        if (!bot || !launched || bot.supervisor.state !== 'running') {
          pending.set(id, `bot is ${bot ? bot.supervisor.state : 'gone'}`);
          continue;
        }
        if (launched.freqtradeVersion !== version) {
          pending.set(id, `bot runs freqtrade ${launched.freqtradeVersion}`);
          continue;
        }
        if (!launched.capture.stats.connected) {
          pending.set(id, 'signal capture not connected');
          continue;
        }
        const score = await this.health.score(bot).catch(() => null);
        if (score === null || score < HEALTHY_SCORE) {
          pending.set(id, `health score ${score ?? 'unknown'} < ${HEALTHY_SCORE}`);
          continue;
        }
        pending.delete(id);
      }
      if (!pending.size) return;
      if (ctx.signal.aborted) throw new Error('cancelled');
      if (this.clock.now() > deadline) {
        const names = specs
          .filter((s) => pending.has(s.strategyId))
          .map((s) => `${s.name}: ${pending.get(s.strategyId)}`);
        throw new Error(
          `not healthy within ${this.config.freqtrade.switchVerifyMs / 1000} s — ${names.join('; ')}`,
        );
      }
      await sleep(1000);
    }
  }
}
