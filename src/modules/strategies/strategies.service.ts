import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Brackets, DataSource, In, Repository } from 'typeorm';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { Strategy } from './entities/strategy.entity.js';

/** The strategy as other modules read it, through this service. */
export type { Strategy };
import { StrategyDraft } from './entities/strategy-draft.entity.js';
import { StrategyLifecycleService } from './strategy-lifecycle.service.js';
import { StrategyLogsService } from './strategy-logs.service.js';
import { StrategyVersionWriter } from './strategy-version-writer.service.js';
import { StrategySignalStatsRegistry } from './strategy-signal-stats.js';
import { StrategyConfigValidator, applyConfigDefaults } from './strategy-config.validator.js';
import { nameTaken } from './strategy-errors.js';
import { StrategyProxyUsers } from './strategy-proxy-users.js';
import { toStrategyResponse, type StrategyResponseDto } from './dto/strategy.response.dto.js';
import type { CreateStrategyDto } from './dto/create-strategy.dto.js';
import type { ListStrategiesQueryDto } from './dto/list-strategies.query.dto.js';
import type { UpdateStrategyDto } from './dto/update-strategy.dto.js';
import { DEFAULT_THRESHOLDS } from './dto/strategy-config.dto.js';
import type { StrategySignalContext } from './strategy-signal-context.js';
import type { StrategyLogsQueryDto } from './dto/strategy-logs.query.dto.js';
import type { StrategyLogResponseDto } from './dto/strategy-log.response.dto.js';
import type { JsonObject } from '../../common/types/json.js';

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const SORT_COLUMNS = {
  created_at: 's.created_at',
  updated_at: 's.updated_at',
  name: 's.name',
  status: 's.status',
} as const;

@Injectable()
export class StrategiesService {
  constructor(
    @InjectRepository(Strategy) private readonly strategies: Repository<Strategy>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly versions: StrategyVersionWriter,
    private readonly lifecycle: StrategyLifecycleService,
    private readonly logs: StrategyLogsService,
    private readonly validator: StrategyConfigValidator,
    private readonly signalStats: StrategySignalStatsRegistry,
    private readonly proxyUsers: StrategyProxyUsers,
  ) {}

  /** Another user's strategy is 404, exactly like a missing one. */
  async findOwned(ownerId: number, id: number): Promise<Strategy> {
    const s = await this.strategies.findOneBy({ id, ownerId });
    if (!s) throw new AppException('STRATEGY_NOT_FOUND', { id });
    return s;
  }

  /**
   * The performance fields, from a completed backtest of the current version. Clamped to the
   * columns' ranges: freqtrade reports huge ratios when a run has no losing day.
   */
  async recordPerformance(
    id: number,
    p: {
      totalReturn: number | null;
      sharpeRatio: number | null;
      maxDrawdown: number | null;
      winRate: number | null;
    },
  ): Promise<void> {
    const clamp = (v: number | null, max: number) => (v === null ? null : Math.max(-max, Math.min(max, v)));
    await this.strategies
      .createQueryBuilder()
      .update()
      .set({
        totalReturn: clamp(p.totalReturn, 999_999),
        sharpeRatio: clamp(p.sharpeRatio, 9_999),
        maxDrawdown: clamp(p.maxDrawdown, 9_999),
        winRate: clamp(p.winRate, 100),
      })
      .where('id = :id', { id })
      .updateEntity(false)
      .execute();
  }

  /** A strategy's notification overrides, for routing its signals (empty when none or gone). */
  async notificationOverrides(id: number): Promise<JsonObject> {
    const s = await this.strategies.findOne({
      where: { id },
      select: { id: true, notificationOverrides: true },
    });
    return s?.notificationOverrides ?? {};
  }

  async list(ownerId: number, q: ListStrategiesQueryDto): Promise<Page<StrategyResponseDto>> {
    const qb = this.strategies.createQueryBuilder('s').where('s.owner_id = :ownerId', { ownerId });
    if (q.status) qb.andWhere('s.status = :status', { status: q.status });
    if (q.type) qb.andWhere('s.type = :type', { type: q.type });
    if (q.search) {
      const like = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere(
        new Brackets((w) =>
          w.where('s.name ILIKE :like', { like }).orWhere('s.description ILIKE :like', { like }),
        ),
      );
    }
    const desc = q.sort.startsWith('-');
    qb.orderBy(
      SORT_COLUMNS[q.sort.replace('-', '') as keyof typeof SORT_COLUMNS],
      desc ? 'DESC' : 'ASC',
    ).addOrderBy('s.id', desc ? 'DESC' : 'ASC');
    const [items, total] = await qb
      .skip((q.page - 1) * q.page_size)
      .take(q.page_size)
      .getManyAndCount();
    const now = Date.now();
    const stats = await this.signalStats.for(items.map((s) => s.id));
    return new Page(
      'strategies',
      items.map((s) => toStrategyResponse(s, now, stats.get(s.id))),
      q.page,
      q.page_size,
      total,
    );
  }

  async get(ownerId: number, id: number): Promise<StrategyResponseDto> {
    const s = await this.findOwned(ownerId, id);
    return toStrategyResponse(s, Date.now(), (await this.signalStats.for([s.id])).get(s.id));
  }

  /**
   * A full create validates everything and writes v1.0; `is_draft` stores what was given (types
   * checked, nothing required) as a draft strategy with its draft, to be published later.
   */
  async create(user: AuthUser, dto: CreateStrategyDto): Promise<StrategyResponseDto> {
    const config = plain(dto.config ?? {}) as JsonObject;
    const base = {
      ownerId: user.id,
      name: dto.name,
      description: dto.description ?? null,
      type: dto.type ?? 'signal_monitor',
      tags: dto.tags ?? [],
      category: dto.category ?? null,
      notificationOverrides: dto.notification_overrides ? plain(dto.notification_overrides) : {},
      parameters: dto.parameters ?? {},
      config,
    };
    await this.proxyUsers.assertProxyOwned(user.id, config);
    if (dto.is_draft) {
      const created = await this.db
        .transaction(async (tx) => {
          const s = await tx
            .getRepository(Strategy)
            .save(tx.getRepository(Strategy).create({ ...base, status: 'draft', version: null }));
          await tx.getRepository(StrategyDraft).insert({
            strategyId: s.id,
            ownerId: user.id,
            // The row holds config and parameters (PUT edits them there); the draft keeps the rest.
            payload: plain({ source: dto.source, changelog: dto.changelog }),
          });
          return s;
        })
        .catch((err: unknown) => Promise.reject(nameTaken(err, dto.name)));
      return toStrategyResponse(created);
    }
    // Validate before writing anything, so a refused create leaves no trace.
    await this.validator.validate(config, dto.source ?? null);
    const shell = await this.strategies
      .save(this.strategies.create({ ...base, status: 'draft', version: null }))
      .catch((err: unknown) => Promise.reject(nameTaken(err, dto.name)));
    try {
      const s = await this.versions.commit(
        shell,
        { config, parameters: base.parameters, source: dto.source },
        { version: dto.version, changelog: dto.changelog ?? 'Created', userId: user.id },
      );
      await this.logs.append(s.id, [{ level: 'INFO', message: `Created as ${s.version}` }]);
      return toStrategyResponse(s);
    } catch (err) {
      // A race (the file changed, a version clash) after validation: take the shell away again.
      await this.strategies.delete({ id: shell.id });
      throw err;
    }
  }

  async update(user: AuthUser, id: number, dto: UpdateStrategyDto): Promise<StrategyResponseDto> {
    const s = await this.findOwned(user.id, id);
    if (dto.revision !== undefined && dto.revision !== s.revision) {
      throw new AppException('STRATEGY_CONFLICT', {
        expected_revision: dto.revision,
        current_revision: s.revision,
      });
    }
    const fields = {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.description !== undefined ? { description: dto.description } : {}),
      ...(dto.tags !== undefined ? { tags: dto.tags } : {}),
      ...(dto.category !== undefined ? { category: dto.category } : {}),
      ...(dto.notification_overrides !== undefined
        ? { notificationOverrides: plain(dto.notification_overrides) as JsonObject }
        : {}),
    };
    const config = dto.config ? (plain(dto.config) as JsonObject) : undefined;
    await this.proxyUsers.assertProxyOwned(user.id, config);
    // Key order means nothing in JSON (jsonb reorders keys): compare values, defaults filled in.
    const versioned =
      (config !== undefined && !isDeepStrictEqual(applyConfigDefaults(config), s.config)) ||
      (dto.parameters !== undefined && !isDeepStrictEqual(dto.parameters, s.parameters));
    if (!versioned || s.status === 'draft') {
      // Descriptive fields (and a never-published draft's edits) make no version.
      Object.assign(
        s,
        fields,
        s.status === 'draft'
          ? { ...(config ? { config } : {}), ...(dto.parameters ? { parameters: dto.parameters } : {}) }
          : {},
      );
      const saved = await this.strategies
        .save(s)
        .catch((err: unknown) => Promise.reject(nameTaken(err, s.name)));
      return toStrategyResponse(saved);
    }
    const saved = await this.versions
      .commit(
        s,
        { config, parameters: dto.parameters, fields },
        {
          version: dto.version,
          changelog: dto.changelog ?? 'Configuration updated',
          userId: user.id,
          expectedRevision: dto.revision,
        },
      )
      .catch((err: unknown) => Promise.reject(nameTaken(err, dto.name ?? s.name)));
    await this.logs.append(s.id, [{ level: 'INFO', message: `Configuration updated to ${saved.version}` }]);
    await this.lifecycle.restartIfRunning(saved);
    return toStrategyResponse(saved);
  }

  /** A running strategy is stopped first; its signals stay (history is permanent). */
  async remove(ownerId: number, id: number): Promise<null> {
    const s = await this.findOwned(ownerId, id);
    if (s.status === 'running' || s.status === 'error') await this.lifecycle.stop(s, 'strategy deleted');
    if (s.status === 'starting' || s.status === 'stopping')
      throw new AppException('STRATEGY_BUSY', { status: s.status });
    await this.strategies.delete({ id: s.id });
    return null;
  }

  async clone(user: AuthUser, id: number): Promise<StrategyResponseDto> {
    const original = await this.findOwned(user.id, id);
    const name = await this.freeName(user.id, original.name);
    const copy = await this.strategies.save(
      this.strategies.create({
        ownerId: user.id,
        name,
        description: original.description,
        type: original.type,
        tags: original.tags,
        category: original.category,
        parameters: original.parameters,
        config: original.config,
        parentStrategyId: original.id,
        status: 'draft',
        version: null,
      }),
    );
    if (original.status === 'draft') {
      // A copy of a draft is a draft too: listed, publishable, cleaned up like its original.
      const draft = await this.db.getRepository(StrategyDraft).findOneBy({ strategyId: original.id });
      await this.db
        .getRepository(StrategyDraft)
        .insert({ strategyId: copy.id, ownerId: user.id, payload: draft?.payload ?? {} });
      return toStrategyResponse(copy);
    }
    try {
      const source = await this.versions.currentSource(original);
      const s = await this.versions.commit(
        copy,
        { config: original.config, parameters: original.parameters, ...(source !== null ? { source } : {}) },
        { changelog: `Cloned from #${original.id} ${original.version}`, userId: user.id },
      );
      await this.logs.append(s.id, [
        { level: 'INFO', message: `Cloned from strategy #${original.id} ${original.version}` },
      ]);
      return toStrategyResponse(s);
    } catch (err) {
      await this.strategies.delete({ id: copy.id });
      throw err;
    }
  }

  async start(ownerId: number, id: number): Promise<StrategyResponseDto> {
    return this.lifecycle.start(await this.findOwned(ownerId, id));
  }

  async stop(ownerId: number, id: number): Promise<StrategyResponseDto> {
    return this.lifecycle.stop(await this.findOwned(ownerId, id));
  }

  async listLogs(
    ownerId: number,
    id: number,
    q: StrategyLogsQueryDto,
  ): Promise<Page<StrategyLogResponseDto>> {
    return this.logs.list((await this.findOwned(ownerId, id)).id, q);
  }

  /** What the signal journal needs to classify signals of these strategies (deleted ones are absent). */
  async signalContexts(ids: number[]): Promise<Map<number, StrategySignalContext>> {
    const rows = ids.length ? await this.strategies.findBy({ id: In(ids) }) : [];
    return new Map(
      rows.map((s) => [
        s.id,
        {
          ownerId: s.ownerId,
          name: s.name,
          version: s.version ?? 'v1.0',
          thresholds: (s.config.signal_thresholds as StrategySignalContext['thresholds'] | undefined) ?? {
            ...DEFAULT_THRESHOLDS,
          },
          defaultStrength: typeof s.config.default_strength === 'number' ? s.config.default_strength : 50,
          revision: s.revision,
        },
      ]),
    );
  }

  /**
   * "<name> (copy)", then "<name> (copy 2)" … within 100 characters: a long name loses characters
   * from its middle (marked …), so its distinctive end survives.
   */
  private async freeName(ownerId: number, original: string): Promise<string> {
    const room = 100 - ' (copy 999)'.length;
    const stem =
      original.length <= room ? original : `${original.slice(0, room - 21)}…${original.slice(-20)}`;
    for (let n = 1; n < 1000; n++) {
      const candidate = n === 1 ? `${stem} (copy)` : `${stem} (copy ${n})`;
      if (!(await this.strategies.existsBy({ ownerId, name: candidate }))) return candidate;
    }
    throw new AppException('STRATEGY_NAME_TAKEN', { name: `${stem} (copy)` });
  }
}
