import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { wireTimestamp } from '../../common/http/envelope.js';
import { CACHE, CACHE_BACKEND, type Cache, type CacheBackend } from '../../infra/cache/cache.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { ProxySelector } from '../../infra/http/proxy-selector.js';
import { Metrics } from '../../infra/metrics/metrics.js';
import type {
  BotCountsDto,
  DatabaseStatsDto,
  NotificationCountsDto,
  SignalCountsDto,
  StrategyCountsDto,
  SystemStatsResponseDto,
} from './dto/system-stats.response.dto.js';
import { HEALTH_CACHE_MS } from './health.service.js';

const DAY = 86_400_000;
const STATS_KEY = 'system:stats:db';

/** What other modules contribute, read live on every call (they keep it cheap or cache it themselves). */
export interface StatsContributors {
  bots?: () => Promise<BotCountsDto>;
  notifications?: () => Promise<NotificationCountsDto>;
}

interface DbStats {
  strategies: StrategyCountsDto;
  signals: SignalCountsDto;
  database: DatabaseStatsDto;
}

/**
 * GET /system/stats. The database figures (counts, sizes) are cached 30 s through the cache port
 * (spec §4.4); what can go down — bots, proxies — and the process figures are read on every call.
 */
@Injectable()
export class SystemStatsService {
  private readonly contributors: StatsContributors = {};

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(CACHE_BACKEND) private readonly backend: CacheBackend,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly proxies: ProxySelector,
    private readonly metrics: Metrics,
  ) {}

  contribute<K extends keyof StatsContributors>(name: K, fn: NonNullable<StatsContributors[K]>): void {
    this.contributors[name] = fn;
  }

  async stats(): Promise<SystemStatsResponseDto> {
    const [dbStats, bots, notifications, proxies, hitRatio, lag] = await Promise.all([
      this.dbStats(),
      this.contributors.bots?.() ?? null,
      this.contributors.notifications?.() ?? null,
      this.proxies.counts(),
      this.metrics.chartCacheHitRatio(),
      this.metrics.gauge('nodejs_eventloop_lag_p99_seconds'),
    ]);
    return {
      timestamp: wireTimestamp(new Date(this.clock.now())),
      ...dbStats,
      bots,
      notifications,
      proxies,
      cache: { backend: this.backend.kind, chart_hit_ratio: hitRatio },
      process: {
        rss_bytes: process.memoryUsage().rss,
        uptime_seconds: Math.floor(process.uptime()),
        event_loop_lag_p99_ms: lag === null || lag === 0 ? null : Math.round(lag * 1e6) / 1e3,
      },
    };
  }

  private async dbStats(): Promise<DbStats> {
    const cached = await this.cache.get<DbStats>(STATS_KEY).catch(() => undefined);
    if (cached) return cached;
    const now = this.clock.now();
    const firstDay = Math.floor(now / DAY) * DAY - 6 * DAY;
    const [statuses, total, recent, size, partitioned] = await Promise.all([
      this.db.query(
        `SELECT status, count(*)::int AS n FROM strategies GROUP BY status ORDER BY status`,
      ) as Promise<{ status: string; n: number }[]>,
      this.db.query(`SELECT count(*)::bigint AS n FROM signals`) as Promise<{ n: string }[]>,
      // By candle time, so partition pruning keeps this to the last month or two.
      this.db.query(
        `SELECT to_char(date_trunc('day', timestamp AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
                count(*)::int AS n,
                count(*) FILTER (WHERE timestamp >= $2)::int AS last_24h
           FROM signals WHERE timestamp >= $1 AND timestamp <= $3 GROUP BY 1`,
        [new Date(firstDay), new Date(now - DAY), new Date(now)],
      ) as Promise<{ day: string; n: number; last_24h: number }[]>,
      this.db.query(`SELECT pg_database_size(current_database())::bigint AS size`) as Promise<
        { size: string }[]
      >,
      this.db.query(
        `SELECT parent.relname AS "table", count(*)::int AS partitions,
                sum(pg_total_relation_size(child.oid))::bigint AS size
           FROM pg_inherits i
           JOIN pg_class parent ON parent.oid = i.inhparent
           JOIN pg_class child ON child.oid = i.inhrelid
           JOIN pg_namespace ns ON ns.oid = parent.relnamespace
          WHERE ns.nspname = current_schema() AND parent.relkind = 'p'
          GROUP BY parent.relname ORDER BY parent.relname`,
      ) as Promise<{ table: string; partitions: number; size: string }[]>,
    ]);
    const perDay = new Map(recent.map((r) => [r.day, r.n]));
    const stats: DbStats = {
      strategies: {
        total: statuses.reduce((a, r) => a + r.n, 0),
        by_status: Object.fromEntries(statuses.map((r) => [r.status, r.n])),
      },
      signals: {
        total: Number(total[0]!.n),
        last_24h: recent.reduce((a, r) => a + r.last_24h, 0),
        per_day: Array.from({ length: 7 }, (_, i) => {
          const date = new Date(firstDay + i * DAY).toISOString().slice(0, 10);
          return { date, count: perDay.get(date) ?? 0 };
        }),
      },
      database: {
        size_bytes: Number(size[0]!.size),
        partitioned_tables: partitioned.map((p) => ({
          table: p.table,
          partitions: p.partitions,
          size_bytes: Number(p.size),
        })),
      },
    };
    await this.cache.set(STATS_KEY, stats, HEALTH_CACHE_MS).catch(() => undefined);
    return stats;
  }
}
