import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type SelectQueryBuilder } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import { Signal } from './entities/signal.entity.js';
import { SignalsHotWindow, statsCacheKey } from './signals-hot-window.service.js';
import { CACHE, type Cache } from '../../infra/cache/cache.port.js';
import { SIGNAL_TYPES, STRENGTH_LEVELS } from './signal-classification.js';
import { toSignalResponse, type SignalResponseDto } from './dto/signal.response.dto.js';
import type {
  ExportSignalsQueryDto,
  ListSignalsQueryDto,
  SignalFiltersDto,
  SignalStatsQueryDto,
} from './dto/list-signals.query.dto.js';
import type { SignalStatsResponseDto } from './dto/signal-stats.response.dto.js';

const MAX_RANGE_MS = 366 * 86_400_000;
const WINDOW_MS = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
} as const;
const EXPORT_BATCH = 1000;
/**
 * How many matches past a page's start an offset page counts: an exact total up to there, beyond it
 * `total` is that many and `total_is_lower_bound` true. Counting all of a busy strategy's month
 * (tens of thousands of index entries) cost more than the page itself.
 */
const COUNT_AHEAD = 1000;
const STATS_CACHE_MS = 10_000;
const CSV_COLUMNS = [
  'id',
  'timestamp',
  'strategy_id',
  'strategy_name',
  'strategy_version',
  'pair',
  'exchange',
  'timeframe',
  'signal_type',
  'kind',
  'strength_raw',
  'strength_level',
  'priority',
  'price',
  'tag',
  'notification_sent',
  'created_at',
  'indicators',
] as const;

interface Counts {
  byType: Record<string, number>;
  byStrength: Record<string, number>;
  byStrategy: Record<string, number>;
}

interface Cursor {
  ts: Date;
  id: string;
}

export function encodeCursor(s: Signal): string {
  return Buffer.from(`${s.timestamp.getTime()}.${s.id}`).toString('base64url');
}

export function decodeCursor(raw: string): Cursor {
  const m = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(Buffer.from(raw, 'base64url').toString());
  if (!m)
    throw new AppException('VALIDATION_ERROR', [
      { field: 'cursor', message: 'cursor is not one this API returned' },
    ]);
  return { ts: new Date(Number(m[1])), id: m[2]! };
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Reading the journal: always one owner's signals, newest first. */
@Injectable()
export class SignalsQueryService {
  constructor(
    @InjectRepository(Signal) private readonly signals: Repository<Signal>,
    private readonly hot: SignalsHotWindow,
    @Inject(CACHE) private readonly cache: Cache,
  ) {}

  async list(ownerId: number, q: ListSignalsQueryDto): Promise<Page<SignalResponseDto>> {
    const qb = this.filtered(ownerId, q);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      qb.andWhere('(s.timestamp, s.id) < (:cts, :cid)', { cts: c.ts, cid: c.id });
    }
    const offset = q.cursor ? 0 : offsetOf(q);
    // Keyset pages carry no total (counting a deep range is the cost keyset avoids); offset pages
    // count at most COUNT_AHEAD rows past their start, on a second connection meanwhile.
    const [items, counted] = await Promise.all([
      qb
        .take(q.page_size + 1)
        .skip(offset)
        .getMany(),
      q.cursor ? undefined : this.countUpTo(ownerId, q, offset + COUNT_AHEAD + 1),
    ]);
    const more = items.length > q.page_size;
    const page = items.slice(0, q.page_size);
    const extra = { next_cursor: more ? encodeCursor(page[page.length - 1]!) : null };
    if (counted === undefined)
      return new Page('signals', page.map(toSignalResponse), q.page, q.page_size, -1, extra);
    const capped = counted > offset + COUNT_AHEAD;
    const total = capped ? offset + COUNT_AHEAD : counted;
    return new Page('signals', page.map(toSignalResponse), q.page, q.page_size, total, extra, capped);
  }

  /** Matching rows, counting no further than `limit` (an index-only scan that stops early). */
  private async countUpTo(ownerId: number, f: SignalFiltersDto, limit: number): Promise<number> {
    const [sql, params] = this.filtered(ownerId, f)
      .select('1')
      .orderBy()
      .limit(limit)
      .getQueryAndParameters();
    const rows: { n: number }[] = await this.signals.query(
      `SELECT count(*)::int AS n FROM (${sql}) AS matching`,
      params,
    );
    return rows[0]!.n;
  }

  /**
   * A strategy's signals on one market in a candle-time range, oldest first, for evaluations.
   * Capped: a quality study of more signals than this is sampled by narrowing the range.
   */
  async forEvaluation(
    ownerId: number,
    f: { strategyId: number; pair: string; timeframe: string; from: Date; to: Date; limit: number },
  ): Promise<
    Pick<
      Signal,
      'id' | 'timestamp' | 'signalType' | 'kind' | 'strengthLevel' | 'strengthRaw' | 'priority' | 'price'
    >[]
  > {
    return this.signals
      .createQueryBuilder('s')
      .select([
        's.id',
        's.timestamp',
        's.signalType',
        's.kind',
        's.strengthLevel',
        's.strengthRaw',
        's.priority',
        's.price',
      ])
      .where('s.owner_id = :ownerId AND s.strategy_id = :sid AND s.pair = :pair AND s.timeframe = :tf', {
        ownerId,
        sid: f.strategyId,
        pair: f.pair,
        tf: f.timeframe,
      })
      .andWhere('s.timestamp >= :from AND s.timestamp <= :to', { from: f.from, to: f.to })
      .orderBy('s.timestamp', 'ASC')
      .limit(f.limit)
      .getMany();
  }

  /**
   * Signals not yet marked notified — of these owners, candle time ≥ `since`, stored in
   * (`createdAfter`, `createdBefore`] — in (timestamp, id) order after `after`: what the
   * notifications catch-up re-examines (it decides which of them never had a decision).
   */
  async unnotified(q: {
    ownerIds: number[];
    since: Date;
    createdAfter: Date;
    createdBefore: Date;
    after: { timestamp: Date; id: string } | null;
    limit: number;
  }): Promise<{ ownerId: number; signal: SignalResponseDto }[]> {
    if (!q.ownerIds.length) return [];
    const qb = this.signals
      .createQueryBuilder('s')
      .where('s.owner_id = ANY(:owners)', { owners: q.ownerIds })
      .andWhere('s.timestamp >= :since', { since: q.since })
      .andWhere('s.created_at > :createdAfter AND s.created_at <= :createdBefore', q)
      .andWhere('NOT s.notification_sent');
    if (q.after) qb.andWhere('(s.timestamp, s.id) > (:ts, :id)', { ts: q.after.timestamp, id: q.after.id });
    const rows = await qb.orderBy('s.timestamp', 'ASC').addOrderBy('s.id', 'ASC').limit(q.limit).getMany();
    return rows.map((r) => ({ ownerId: r.ownerId, signal: toSignalResponse(r) }));
  }

  async get(ownerId: number, id: string): Promise<SignalResponseDto> {
    const s = await this.signals.findOneBy({ id, ownerId });
    if (!s) throw new AppException('SIGNAL_NOT_FOUND', { id });
    return toSignalResponse(s);
  }

  /** 1 h and 24 h from the hot window (no database); 7 d and 30 d computed in SQL. */
  async stats(ownerId: number, q: SignalStatsQueryDto): Promise<SignalStatsResponseDto> {
    if (q.window !== '1h' && q.window !== '24h') return this.computeStats(ownerId, q);
    // Reading a busy owner's 24 h (thousands of entries) costs tens of ms; the result is cached until
    // the owner's next signal, and for at most STATS_CACHE_MS so the sliding window never lags more.
    const key = statsCacheKey(ownerId, q.window);
    const cached = await this.cache.get<SignalStatsResponseDto>(key);
    if (cached) return cached;
    const fresh = await this.computeStats(ownerId, q);
    await this.cache.set(key, fresh, STATS_CACHE_MS);
    return fresh;
  }

  private async computeStats(ownerId: number, q: SignalStatsQueryDto): Promise<SignalStatsResponseDto> {
    const counts =
      q.window === '1h' || q.window === '24h'
        ? await this.hotCounts(ownerId, WINDOW_MS[q.window])
        : await this.sqlCounts(ownerId, WINDOW_MS[q.window]);
    const total = Object.values(counts.byStrength).reduce((a, b) => a + b, 0);
    const total24h = q.window === '24h' ? total : (await this.hot.entries(ownerId, WINDOW_MS['24h'])).length;
    return {
      window: q.window,
      total_signals: total,
      total_signals_24h: total24h,
      by_type: counts.byType,
      by_strength: counts.byStrength,
      by_strategy: counts.byStrategy,
    };
  }

  private emptyCounts(): Counts {
    return {
      byType: Object.fromEntries(SIGNAL_TYPES.filter((t) => t !== 'HOLD').map((t) => [t, 0])),
      byStrength: Object.fromEntries(STRENGTH_LEVELS.map((l) => [l, 0])),
      byStrategy: {},
    };
  }

  private async hotCounts(ownerId: number, windowMs: number): Promise<Counts> {
    const c = this.emptyCounts();
    for (const e of await this.hot.entries(ownerId, windowMs)) {
      c.byType[e.type] = (c.byType[e.type] ?? 0) + 1;
      c.byStrength[e.level] = (c.byStrength[e.level] ?? 0) + 1;
      c.byStrategy[e.sn] = (c.byStrategy[e.sn] ?? 0) + 1;
    }
    return c;
  }

  private async sqlCounts(ownerId: number, windowMs: number): Promise<Counts> {
    const rows = (await this.signals.query(
      `SELECT signal_type::text AS type, strength_level::text AS level, strategy_name AS strategy, count(*)::int AS n
         FROM signals WHERE owner_id = $1 AND timestamp >= $2
        GROUP BY GROUPING SETS ((signal_type), (strength_level), (strategy_name))`,
      [ownerId, new Date(Date.now() - windowMs)],
    )) as { type: string | null; level: string | null; strategy: string | null; n: number }[];
    const c = this.emptyCounts();
    for (const r of rows) {
      if (r.type) c.byType[r.type] = r.n;
      else if (r.level) c.byStrength[r.level] = r.n;
      else if (r.strategy) c.byStrategy[r.strategy] = (c.byStrategy[r.strategy] ?? 0) + r.n;
    }
    return c;
  }

  /** CSV or JSON lines, read in keyset batches so a year of signals never sits in memory. */
  export(ownerId: number, q: ExportSignalsQueryDto): Readable {
    this.checkRange(q);
    return Readable.from(this.exportLines(ownerId, q));
  }

  private async *exportLines(ownerId: number, q: ExportSignalsQueryDto): AsyncGenerator<string> {
    if (q.format === 'csv') yield CSV_COLUMNS.join(',') + '\n';
    let cursor: Cursor | undefined;
    for (;;) {
      const qb = this.filtered(ownerId, q);
      if (cursor) qb.andWhere('(s.timestamp, s.id) < (:cts, :cid)', { cts: cursor.ts, cid: cursor.id });
      const batch = await qb.take(EXPORT_BATCH).getMany();
      for (const s of batch) {
        const dto = toSignalResponse(s);
        yield q.format === 'csv'
          ? CSV_COLUMNS.map((c) => csvCell(dto[c])).join(',') + '\n'
          : JSON.stringify(dto) + '\n';
      }
      if (batch.length < EXPORT_BATCH) return;
      const last = batch[batch.length - 1]!;
      cursor = { ts: last.timestamp, id: last.id };
    }
  }

  /** An explicit range longer than a year must name a strategy (it would scan every partition otherwise). */
  private checkRange(f: SignalFiltersDto): void {
    if (f.strategy_id || !f.start_time) return;
    const start = f.start_time.getTime();
    const end = f.end_time?.getTime() ?? Date.now();
    if (end - start > MAX_RANGE_MS) {
      throw new AppException('VALIDATION_ERROR', [
        { field: 'start_time', message: 'a range over 366 days needs a strategy_id filter' },
      ]);
    }
  }

  /**
   * One pair and timeframe's signals in [start, end), oldest first, at most `limit` — for chart
   * annotations. From the journal alone, so stopped and deleted strategies and old versions count.
   */
  async forChart(
    ownerId: number,
    q: { pair: string; timeframe: string; strategyId?: number; start: Date; end: Date; limit: number },
  ): Promise<SignalResponseDto[]> {
    const qb = this.signals
      .createQueryBuilder('s')
      .where('s.owner_id = :ownerId AND s.pair = :pair AND s.timeframe = :tf', {
        ownerId,
        pair: q.pair,
        tf: q.timeframe,
      })
      .andWhere('s.timestamp >= :start AND s.timestamp < :end', { start: q.start, end: q.end });
    if (q.strategyId) qb.andWhere('s.strategy_id = :sid', { sid: q.strategyId });
    const rows = await qb.orderBy('s.timestamp', 'ASC').addOrderBy('s.id', 'ASC').take(q.limit).getMany();
    return rows.map(toSignalResponse);
  }

  private filtered(ownerId: number, f: SignalFiltersDto): SelectQueryBuilder<Signal> {
    this.checkRange(f);
    const qb = this.signals.createQueryBuilder('s').where('s.owner_id = :ownerId', { ownerId });
    if (f.strategy_id) qb.andWhere('s.strategy_id = :sid', { sid: f.strategy_id });
    if (f.pair) qb.andWhere('s.pair = :pair', { pair: f.pair });
    if (f.signal_type) qb.andWhere('s.signal_type = :type', { type: f.signal_type });
    if (f.strength_level) qb.andWhere('s.strength_level = :level', { level: f.strength_level });
    if (f.priority) qb.andWhere('s.priority = :priority', { priority: f.priority });
    if (f.start_time) qb.andWhere('s.timestamp >= :start', { start: f.start_time });
    if (f.end_time) qb.andWhere('s.timestamp < :end', { end: f.end_time });
    return qb.orderBy('s.timestamp', 'DESC').addOrderBy('s.id', 'DESC');
  }
}
