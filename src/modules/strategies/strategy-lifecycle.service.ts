import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Not, Repository } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import {
  Events,
  type StrategyRuntimeFailedEvent,
  type StrategyRuntimeRecoveredEvent,
  type StrategyStatusChangedEvent,
} from '../../common/events/event-map.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { Strategy, type StrategyStatus } from './entities/strategy.entity.js';
import { StrategyFilesService } from './strategy-files.service.js';
import { StrategyLogsService } from './strategy-logs.service.js';
import { STRATEGY_RUNTIME, type StrategyRunSpec, type StrategyRuntime } from './strategy-runtime.port.js';
import { StrategyVersionWriter } from './strategy-version-writer.service.js';
import { toStrategyResponse, type StrategyResponseDto } from './dto/strategy.response.dto.js';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 2000);

/**
 * The start/stop state machine: stopped|error → starting → running, running|error → stopping →
 * stopped. Each transition is claimed with a conditional UPDATE, so two requests (or instances)
 * never both start one strategy. Every status change is a domain event.
 */
@Injectable()
export class StrategyLifecycleService {
  constructor(
    @InjectRepository(Strategy) private readonly strategies: Repository<Strategy>,
    @Inject(STRATEGY_RUNTIME) private readonly runtime: StrategyRuntime,
    private readonly versions: StrategyVersionWriter,
    private readonly files: StrategyFilesService,
    private readonly logs: StrategyLogsService,
    private readonly events: EventEmitter2,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async start(strategy: Strategy): Promise<StrategyResponseDto> {
    if (strategy.status === 'draft') throw new AppException('STRATEGY_IS_DRAFT', { id: strategy.id });
    if (strategy.type !== 'signal_monitor')
      throw new AppException('STRATEGY_TYPE_NOT_SUPPORTED', { type: strategy.type });
    if (strategy.status === 'running')
      throw new AppException('STRATEGY_ALREADY_RUNNING', { id: strategy.id });
    if (strategy.status === 'starting' || strategy.status === 'stopping')
      throw new AppException('STRATEGY_BUSY', { status: strategy.status });
    // Before any transition: without a runtime the status must not move at all.
    await this.runtime.ensureAvailable();
    const spec = await this.specOf(strategy);
    await this.claim(strategy, ['stopped', 'error'], 'starting');
    await this.logs.append(strategy.id, [{ level: 'INFO', message: `Starting version ${strategy.version}` }]);
    try {
      await this.runtime.start(spec);
    } catch (err) {
      await this.move(
        strategy,
        'error',
        { lastError: errorText(err), runningSince: null, healthScore: null },
        'start failed',
      );
      await this.logs.append(strategy.id, [{ level: 'ERROR', message: `Start failed: ${errorText(err)}` }]);
      throw err;
    }
    const now = new Date(this.clock.now());
    await this.move(strategy, 'running', { runningSince: now, lastRunAt: now, lastError: null });
    await this.logs.append(strategy.id, [{ level: 'INFO', message: 'Running' }]);
    return this.current(strategy.id);
  }

  async stop(strategy: Strategy, reason = 'stop requested'): Promise<StrategyResponseDto> {
    if (strategy.status === 'stopped' || strategy.status === 'draft')
      throw new AppException('STRATEGY_NOT_RUNNING', { id: strategy.id });
    if (strategy.status === 'starting' || strategy.status === 'stopping')
      throw new AppException('STRATEGY_BUSY', { status: strategy.status });
    await this.claim(strategy, ['running', 'error'], 'stopping');
    try {
      await this.runtime.stop(strategy.id);
    } catch (err) {
      await this.move(strategy, 'error', { lastError: errorText(err) }, 'stop failed');
      throw err;
    }
    await this.move(strategy, 'stopped', { runningSince: null, healthScore: null }, reason);
    await this.logs.append(strategy.id, [{ level: 'INFO', message: `Stopped (${reason})` }]);
    return this.current(strategy.id);
  }

  /**
   * Brings back a strategy whose desired state is running after its bot was lost with the instance
   * that ran it (our own restart, or another instance's death). The caller holds its lease.
   */
  async resume(strategyId: number): Promise<string | null> {
    const strategy = await this.strategies.findOneBy({ id: strategyId });
    if (!strategy) return null;
    await this.claim(strategy, ['running', 'starting'], 'starting');
    await this.logs.append(strategy.id, [{ level: 'INFO', message: `Resuming version ${strategy.version}` }]);
    try {
      await this.runtime.start(await this.specOf(strategy));
    } catch (err) {
      await this.move(
        strategy,
        'error',
        { lastError: errorText(err), runningSince: null, healthScore: null },
        'resume failed',
      );
      await this.logs.append(strategy.id, [{ level: 'ERROR', message: `Resume failed: ${errorText(err)}` }]);
      throw err;
    }
    const now = new Date(this.clock.now());
    await this.move(strategy, 'running', { runningSince: now, lastRunAt: now, lastError: null }, 'resumed');
    return strategy.name;
  }

  @OnEvent(Events.StrategyRuntimeFailed, { async: true, promisify: true })
  async onRuntimeFailed(e: StrategyRuntimeFailedEvent): Promise<void> {
    const strategy = await this.strategies.findOneBy({ id: e.strategyId });
    if (!strategy || (strategy.status !== 'running' && strategy.status !== 'error')) return;
    const next =
      e.retryInMs === null
        ? 'no restarts left this hour'
        : `restarting in ${Math.round(e.retryInMs / 1000)} s`;
    const detail = e.lastLines.length ? `\n${e.lastLines.join('\n')}` : '';
    await this.move(
      strategy,
      'error',
      { lastError: `${e.reason}${detail}`.slice(0, 2000), healthScore: 0 },
      `${e.reason}; ${next}`,
    );
    await this.logs.append(strategy.id, [{ level: 'ERROR', message: `${e.reason}; ${next}${detail}` }]);
  }

  @OnEvent(Events.StrategyRuntimeRecovered, { async: true, promisify: true })
  async onRuntimeRecovered(e: StrategyRuntimeRecoveredEvent): Promise<void> {
    const strategy = await this.strategies.findOneBy({ id: e.strategyId });
    if (!strategy || strategy.status !== 'error') return;
    const now = new Date(this.clock.now());
    await this.move(
      strategy,
      'running',
      { runningSince: now, lastRunAt: now, lastError: null },
      'restarted after a crash',
    );
    await this.logs.append(strategy.id, [
      { level: 'INFO', message: 'Running again after an automatic restart' },
    ]);
  }

  /** After a new version of a running strategy: the bot restarts on it. */
  async restartIfRunning(strategy: Strategy): Promise<void> {
    if (strategy.status !== 'running') return;
    await this.logs.append(strategy.id, [
      { level: 'INFO', message: `Restarting on version ${strategy.version}` },
    ]);
    try {
      await this.runtime.restart(await this.specOf(strategy));
    } catch (err) {
      await this.move(
        strategy,
        'error',
        { lastError: errorText(err), runningSince: null, healthScore: null },
        'restart failed',
      );
      await this.logs.append(strategy.id, [{ level: 'ERROR', message: `Restart failed: ${errorText(err)}` }]);
      throw err;
    }
  }

  /** Run specs of every non-draft strategy of a user (the freqtrade compatibility check runs them all). */
  async specsOfOwner(ownerId: number): Promise<StrategyRunSpec[]> {
    const rows = await this.strategies.find({
      where: { ownerId, status: Not('draft') },
      order: { id: 'ASC' },
    });
    const specs: StrategyRunSpec[] = [];
    for (const r of rows) {
      // A strategy whose source cannot be found is still listed: the check reports it as not loading.
      specs.push(
        await this.specOf(r).catch(() => ({
          strategyId: r.id,
          ownerId: r.ownerId,
          name: r.name,
          version: r.version ?? 'v1.0',
          config: r.config,
          parameters: r.parameters,
          source: null,
          sourceFile: null,
        })),
      );
    }
    return specs;
  }

  async specOf(strategy: Strategy): Promise<StrategyRunSpec> {
    const source = await this.versions.currentSource(strategy);
    const file =
      source === null && typeof strategy.config.strategy_file === 'string'
        ? this.files.resolve(strategy.config.strategy_file)
        : null;
    return {
      strategyId: strategy.id,
      ownerId: strategy.ownerId,
      name: strategy.name,
      version: strategy.version ?? 'v1.0',
      config: strategy.config,
      parameters: strategy.parameters,
      source,
      sourceFile: file,
    };
  }

  /** The run spec of a stored version (evaluations test old versions side by side). */
  async specOfVersion(strategy: Strategy, version: string): Promise<StrategyRunSpec> {
    if (version === strategy.version) return this.specOf(strategy);
    const v = await this.versions.find(strategy.id, version);
    if (!v) throw new AppException('VERSION_NOT_FOUND', { id: strategy.id, version });
    const file =
      v.source === null && typeof v.config.strategy_file === 'string'
        ? this.files.resolve(v.config.strategy_file)
        : null;
    return {
      strategyId: strategy.id,
      ownerId: strategy.ownerId,
      name: strategy.name,
      version,
      config: v.config,
      parameters: v.parameters,
      source: v.source,
      sourceFile: file,
    };
  }

  /** The row as stored now: each transition bumped its revision and updated_at in the database. */
  private async current(id: number): Promise<StrategyResponseDto> {
    return toStrategyResponse(await this.strategies.findOneByOrFail({ id }), this.clock.now());
  }

  private async claim(strategy: Strategy, from: StrategyStatus[], to: StrategyStatus): Promise<void> {
    const result = await this.strategies.update({ id: strategy.id, status: In(from) }, { status: to });
    if (!result.affected) {
      // Someone else moved it between our read and this write.
      throw new AppException('STRATEGY_BUSY', { id: strategy.id });
    }
    this.emit(strategy, to);
  }

  private async move(
    strategy: Strategy,
    to: StrategyStatus,
    fields: Partial<Strategy>,
    reason?: string,
  ): Promise<void> {
    await this.strategies.update({ id: strategy.id }, { status: to, ...fields });
    Object.assign(strategy, fields);
    this.emit(strategy, to, reason);
  }

  private emit(strategy: Strategy, to: StrategyStatus, reason?: string): void {
    const event: StrategyStatusChangedEvent = {
      strategyId: strategy.id,
      ownerId: strategy.ownerId,
      status: to,
      previousStatus: strategy.status,
      healthScore: strategy.healthScore,
      reason,
    };
    strategy.status = to;
    this.events.emit(Events.StrategyStatusChanged, event);
  }
}
