import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, LessThan, Repository } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf, type PageQueryDto } from '../../common/pagination/page-query.dto.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { LOCK, runExclusive, type Lock } from '../../infra/cache/cache.port.js';
import { LockName } from '../../infra/cache/lock-names.js';
import { Strategy } from './entities/strategy.entity.js';
import { StrategyDraft, type DraftPayload } from './entities/strategy-draft.entity.js';
import { StrategiesService } from './strategies.service.js';
import { StrategyLifecycleService } from './strategy-lifecycle.service.js';
import { StrategyLogsService } from './strategy-logs.service.js';
import { StrategyVersionWriter } from './strategy-version-writer.service.js';
import { nameTaken } from './strategy-errors.js';
import { toStrategyResponse, type StrategyResponseDto } from './dto/strategy.response.dto.js';
import { toDraftResponse, type StrategyDraftResponseDto } from './dto/strategy-draft.response.dto.js';
import type { SaveDraftDto } from './dto/save-draft.dto.js';

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Pending edits, one draft per strategy. A strategy created with is_draft is a draft strategy
 * whose draft holds everything; publishing validates in full and applies it as a new version.
 */
@Injectable()
export class StrategyDraftsService {
  private readonly logger = new Logger(StrategyDraftsService.name);

  constructor(
    @InjectRepository(StrategyDraft) private readonly drafts: Repository<StrategyDraft>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly strategies: StrategiesService,
    private readonly writer: StrategyVersionWriter,
    private readonly lifecycle: StrategyLifecycleService,
    private readonly logs: StrategyLogsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Saving again replaces the draft; the live config is untouched. */
  async save(user: AuthUser, strategyId: number, dto: SaveDraftDto): Promise<StrategyDraftResponseDto> {
    const s = await this.strategies.findOwned(user.id, strategyId);
    const payload = plain(dto) as DraftPayload;
    await this.drafts.upsert(
      { strategyId: s.id, ownerId: user.id, payload },
      { conflictPaths: ['strategyId'] },
    );
    const draft = await this.drafts.findOneByOrFail({ strategyId: s.id });
    return toDraftResponse(draft, s, this.config.strategies.draftTtlDays, this.clock.now());
  }

  async list(ownerId: number, q: PageQueryDto): Promise<Page<StrategyDraftResponseDto>> {
    const [rows, total] = await this.drafts.findAndCount({
      where: { ownerId },
      relations: { strategy: true },
      order: { updatedAt: 'DESC', id: 'DESC' },
      skip: offsetOf(q),
      take: q.page_size,
    });
    const now = this.clock.now();
    const items = rows.map((d) => toDraftResponse(d, d.strategy!, this.config.strategies.draftTtlDays, now));
    return new Page('drafts', items, q.page, q.page_size, total);
  }

  /** Validates the draft laid over the live strategy in full and applies it as a new version. */
  async publish(user: AuthUser, draftId: number): Promise<StrategyResponseDto> {
    const draft = await this.findOwned(user.id, draftId);
    const s = await this.strategies.findOwned(user.id, draft.strategyId);
    const p = draft.payload;
    const config = p.config ? { ...s.config, ...p.config } : s.config;
    const fields = {
      ...(p.name !== undefined ? { name: p.name } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.tags !== undefined ? { tags: p.tags } : {}),
      ...(p.category !== undefined ? { category: p.category } : {}),
    };
    const wasDraft = s.status === 'draft';
    const saved = await this.writer
      .commit(
        s,
        { config, parameters: p.parameters, source: p.source, fields },
        { changelog: p.changelog ?? (wasDraft ? 'Created' : 'Draft published'), userId: user.id },
      )
      .catch((err: unknown) => Promise.reject(nameTaken(err, p.name ?? s.name)));
    await this.drafts.delete({ id: draft.id });
    await this.logs.append(s.id, [{ level: 'INFO', message: `Draft published as ${saved.version}` }]);
    await this.lifecycle.restartIfRunning(saved);
    return toStrategyResponse(saved);
  }

  /** Deleting the draft of a never-published strategy deletes that strategy: the draft was all of it. */
  async remove(ownerId: number, draftId: number): Promise<null> {
    const draft = await this.findOwned(ownerId, draftId);
    await this.db.transaction(async (tx) => {
      await tx.getRepository(StrategyDraft).delete({ id: draft.id });
      await tx.getRepository(Strategy).delete({ id: draft.strategyId, status: 'draft' });
    });
    return null;
  }

  /** Drafts not saved for DRAFT_TTL_DAYS, with the never-published strategies they hold. */
  async cleanup(ownerId?: number): Promise<{ deleted: number }> {
    const cutoff = new Date(this.clock.now() - this.config.strategies.draftTtlDays * 86_400_000);
    const stale = await this.drafts.find({
      where: { updatedAt: LessThan(cutoff), ...(ownerId ? { ownerId } : {}) },
      select: { id: true, strategyId: true },
    });
    if (!stale.length) return { deleted: 0 };
    await this.db.transaction(async (tx) => {
      await tx.getRepository(StrategyDraft).delete({ id: In(stale.map((d) => d.id)) });
      await tx.getRepository(Strategy).delete({ id: In(stale.map((d) => d.strategyId)), status: 'draft' });
    });
    return { deleted: stale.length };
  }

  @Cron(CronExpression.EVERY_DAY_AT_2AM, { name: 'draft-cleanup' })
  async scheduledCleanup(): Promise<void> {
    const result = await runExclusive(this.lock, LockName.DraftCleanup, 10 * 60_000, () => this.cleanup());
    if (result?.deleted) this.logger.log(`deleted ${result.deleted} expired draft(s)`);
  }

  private async findOwned(ownerId: number, id: number): Promise<StrategyDraft> {
    const d = await this.drafts.findOneBy({ id, ownerId });
    if (!d) throw new AppException('DRAFT_NOT_FOUND', { id });
    return d;
  }
}
