import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Inject } from '@nestjs/common';
import { Events, type StrategyStatusChangedEvent } from '../../../common/events/event-map.js';
import { CLOCK, type Clock } from '../../../infra/clock/clock.port.js';
import type { BotSample } from '../../../infra/metrics/metrics.js';
import { FreqtradeRuntime, type RunningBot } from '../freqtrade-runtime.service.js';
import { healthScore, timeframeMs } from './health-score.js';

export const HEALTHY_SCORE = 60;

/**
 * Scores every bot this instance runs (spec §4.4: every 30 s) and stores the score on the strategy
 * when it changed, pushing `strategy_status_update`. Each instance scores only its own bots — only
 * it can see their processes and sockets — so the job needs no cross-instance lock.
 */
@Injectable()
export class BotHealthService {
  private readonly logger = new Logger(BotHealthService.name);
  private readonly last = new Map<number, number>();

  constructor(
    private readonly runtime: FreqtradeRuntime,
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventEmitter2,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async score(bot: RunningBot): Promise<number | null> {
    const launched = bot.supervisor.bot;
    if (bot.supervisor.state !== 'running' || !launched) return null;
    const health = await launched.api.health();
    const trouble = this.runtime.recentTrouble(bot);
    const tf = timeframeMs(String(bot.spec.config.timeframe ?? '5m')) ?? 300_000;
    return healthScore({
      now: this.clock.now(),
      timeframeMs: tf,
      lastProcessMs: health?.lastProcessMs ?? null,
      apiReachable: health !== null,
      wsConnected: launched.capture.stats.connected,
      lastAnalyzedMs: launched.capture.stats.lastAnalyzedMs,
      startedMs: launched.startedAt,
      warnings15m: trouble.warnings,
      errors15m: trouble.errors,
      restartsLastHour: bot.supervisor.restartsLastHour(),
    }).score;
  }

  /** One round over every running bot; returns the scores it computed. */
  async refresh(): Promise<Map<number, number>> {
    const scores = new Map<number, number>();
    for (const bot of this.runtime.bots.values()) {
      const id = bot.spec.strategyId;
      try {
        const s = await this.score(bot);
        if (s === null) continue;
        scores.set(id, s);
        if (this.last.get(id) === s) continue;
        // Plain SQL: a score is not an edit, so it must not bump the strategy's revision.
        await this.db.query(`UPDATE strategies SET health_score = $1 WHERE id = $2 AND status = 'running'`, [
          s,
          id,
        ]);
        this.last.set(id, s);
        this.events.emit(Events.StrategyStatusChanged, {
          strategyId: id,
          ownerId: bot.spec.ownerId,
          status: 'running',
          previousStatus: 'running',
          healthScore: s,
          reason: 'health score',
        } satisfies StrategyStatusChangedEvent);
      } catch (err) {
        this.logger.warn(`health of strategy ${id}: ${(err as Error).message}`);
      }
    }
    for (const id of this.last.keys()) if (!this.runtime.bots.has(id)) this.last.delete(id);
    return scores;
  }

  /** For the bot gauges of /metrics: every bot this instance runs, up or not, with its last score. */
  samples(): BotSample[] {
    return [...this.runtime.bots.values()].map((bot) => ({
      strategyId: bot.spec.strategyId,
      up: bot.supervisor.state === 'running',
      healthScore: this.last.get(bot.spec.strategyId) ?? null,
    }));
  }

  /** For /system/health: bots running here and how many score below HEALTHY_SCORE. */
  summary(): { running: number; unhealthy: number } {
    let running = 0;
    let unhealthy = 0;
    for (const bot of this.runtime.bots.values()) {
      if (bot.supervisor.state !== 'running') {
        unhealthy++;
        continue;
      }
      running++;
      const s = this.last.get(bot.spec.strategyId);
      if (s !== undefined && s < HEALTHY_SCORE) unhealthy++;
    }
    return { running, unhealthy };
  }
}
