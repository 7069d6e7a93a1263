import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { levelsFrom, type LogLevelName } from '../../common/logging/log-levels.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { LOCK, runExclusive, type Lock } from '../../infra/cache/cache.port.js';
import { LockName } from '../../infra/cache/lock-names.js';
import { StrategyLog, type LogSource } from './entities/strategy-log.entity.js';
import { toLogResponse, type StrategyLogResponseDto } from './dto/strategy-log.response.dto.js';
import type { StrategyLogsQueryDto } from './dto/strategy-logs.query.dto.js';

export interface StrategyLogEntry {
  level: LogLevelName;
  message: string;
  source?: LogSource;
  timestamp?: Date;
}

/** strategy_logs: what a strategy's bot and BTC Watcher said about it. The runtime appends through here. */
@Injectable()
export class StrategyLogsService {
  private readonly logger = new Logger(StrategyLogsService.name);

  constructor(
    @InjectRepository(StrategyLog) private readonly logs: Repository<StrategyLog>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** One multi-row insert for the whole batch. */
  async append(strategyId: number, entries: StrategyLogEntry[]): Promise<void> {
    if (!entries.length) return;
    const now = new Date(this.clock.now());
    await this.logs.insert(
      entries.map((e) => ({
        strategyId,
        level: e.level,
        source: e.source ?? 'system',
        message: e.message.slice(0, 20_000),
        timestamp: e.timestamp ?? now,
      })) as QueryDeepPartialEntity<StrategyLog>[],
    );
  }

  /** Newest first; `level` means that level and above. The caller has checked ownership. */
  async list(strategyId: number, q: StrategyLogsQueryDto): Promise<Page<StrategyLogResponseDto>> {
    const qb = this.logs
      .createQueryBuilder('l')
      .where('l.strategy_id = :strategyId', { strategyId })
      .orderBy('l.timestamp', 'DESC')
      .addOrderBy('l.id', 'DESC');
    if (q.level) qb.andWhere({ level: In(levelsFrom(q.level)) });
    if (q.start_time) qb.andWhere('l.timestamp >= :start', { start: q.start_time });
    if (q.end_time) qb.andWhere('l.timestamp < :end', { end: q.end_time });
    const [items, total] = await qb.skip(offsetOf(q)).take(q.page_size).getManyAndCount();
    return new Page('logs', items.map(toLogResponse), q.page, q.page_size, total);
  }

  @Cron(CronExpression.EVERY_DAY_AT_4AM, { name: 'strategy-log-retention' })
  async prune(): Promise<number> {
    const removed = await runExclusive(this.lock, LockName.StrategyLogRetention, 10 * 60_000, async () => {
      const cutoff = new Date(this.clock.now() - this.config.strategies.logRetentionDays * 86_400_000);
      return (await this.logs.delete({ timestamp: LessThan(cutoff) })).affected ?? 0;
    });
    if (removed)
      this.logger.log(
        `pruned ${removed} strategy log line(s) older than ${this.config.strategies.logRetentionDays} days`,
      );
    return removed ?? 0;
  }
}
