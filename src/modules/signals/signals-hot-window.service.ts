import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  CACHE,
  LOCK,
  SORTED_SETS,
  runExclusive,
  type Cache,
  type Lock,
  type SortedSets,
} from '../../infra/cache/cache.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { LockName } from '../../infra/cache/lock-names.js';
import {
  StrategySignalStatsRegistry,
  type StrategySignalStats,
} from '../strategies/strategy-signal-stats.js';
import type { Signal } from './entities/signal.entity.js';

export const HOT_WINDOW_MS = 24 * 3_600_000;
const BUILT_MARKER = 'signals:hot-window-built';

/** What the window keeps of a signal: enough for the stats, nothing more. */
interface HotEntry {
  id: string;
  t: number;
  type: string;
  level: string;
  sid: number;
  sn: string;
}

const ownerKey = (ownerId: number) => `signals:hot:owner:${ownerId}`;
/** Where the computed stats of an owner's window are cached until the owner's next signal. */
export const statsCacheKey = (ownerId: number, window: string) => `signals:stats:${ownerId}:${window}`;
export const HOT_STATS_WINDOWS = ['1h', '24h'] as const;
const strategyKey = (strategyId: number) => `signals:hot:strategy:${strategyId}`;

/**
 * The last 24 h of signals (by candle time) in the cache ports — Redis sorted sets when configured —
 * trimmed by time as signals arrive, rebuilt from PostgreSQL at start-up when the cache is empty.
 * It answers the 1 h/24 h stats and the strategies' 24 h counters without touching the database.
 */
@Injectable()
export class SignalsHotWindow implements OnApplicationBootstrap {
  private readonly logger = new Logger(SignalsHotWindow.name);

  constructor(
    @Inject(SORTED_SETS) private readonly sets: SortedSets,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
    @InjectDataSource() private readonly db: DataSource,
    registry: StrategySignalStatsRegistry,
  ) {
    registry.use((ids) => this.strategyStats(ids));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.rebuildIfEmpty().catch((err: unknown) =>
      this.logger.error(`hot window rebuild failed: ${(err as Error).message}`),
    );
  }

  async record(
    signals: Pick<
      Signal,
      'id' | 'timestamp' | 'ownerId' | 'strategyId' | 'strategyName' | 'signalType' | 'strengthLevel'
    >[],
  ): Promise<void> {
    const since = this.clock.now() - HOT_WINDOW_MS;
    const byKey = new Map<string, { score: number; member: string }[]>();
    const push = (key: string, score: number, member: string) => {
      const entries = byKey.get(key);
      if (entries) entries.push({ score, member });
      else byKey.set(key, [{ score, member }]);
    };
    const owners = new Set<number>();
    for (const s of signals) {
      const t = s.timestamp.getTime();
      if (t < since) continue; // a backfilled old candle is journal history, not hot
      const entry: HotEntry = {
        id: s.id,
        t,
        type: s.signalType,
        level: s.strengthLevel,
        sid: s.strategyId,
        sn: s.strategyName,
      };
      push(ownerKey(s.ownerId), t, JSON.stringify(entry));
      push(strategyKey(s.strategyId), t, s.id);
      owners.add(s.ownerId);
    }
    if (!byKey.size) return;
    await Promise.all([
      this.sets.addAndTrim(byKey, since),
      // Cached stats of these owners are stale now.
      ...[...owners].flatMap((o) => HOT_STATS_WINDOWS.map((w) => this.cache.del(statsCacheKey(o, w)))),
    ]);
  }

  /** Entries of one owner with candle time in the last `windowMs` (≤ 24 h). */
  async entries(ownerId: number, windowMs: number): Promise<HotEntry[]> {
    const members = await this.sets.range(
      ownerKey(ownerId),
      this.clock.now() - windowMs,
      Number.MAX_SAFE_INTEGER,
    );
    return members.map((m) => JSON.parse(m) as HotEntry);
  }

  async strategyStats(ids: number[]): Promise<Map<number, StrategySignalStats>> {
    const since = this.clock.now() - HOT_WINDOW_MS;
    const rows = await Promise.all(
      ids.map(async (id) => {
        const [count, last] = await Promise.all([
          this.sets.count(strategyKey(id), since, Number.MAX_SAFE_INTEGER),
          this.sets.last(strategyKey(id)),
        ]);
        return [
          id,
          { count24h: count, lastSignalTime: last && last.score >= since ? new Date(last.score) : null },
        ] as const;
      }),
    );
    return new Map(rows);
  }

  /** After a cache flush (or on every embedded start) the window is refilled from the journal. */
  async rebuildIfEmpty(): Promise<number> {
    if (await this.cache.get<boolean>(BUILT_MARKER)) return 0;
    const rebuilt = await runExclusive(this.lock, LockName.HotWindowRebuild, 60_000, async () => {
      const since = new Date(this.clock.now() - HOT_WINDOW_MS);
      const rows = (await this.db.query(
        `SELECT id, timestamp, owner_id, strategy_id, strategy_name, signal_type, strength_level FROM signals WHERE timestamp >= $1`,
        [since],
      )) as {
        id: string;
        timestamp: Date;
        owner_id: number;
        strategy_id: number;
        strategy_name: string;
        signal_type: string;
        strength_level: string;
      }[];
      await this.record(
        rows.map((r) => ({
          id: r.id,
          timestamp: r.timestamp,
          ownerId: r.owner_id,
          strategyId: r.strategy_id,
          strategyName: r.strategy_name,
          signalType: r.signal_type as Signal['signalType'],
          strengthLevel: r.strength_level as Signal['strengthLevel'],
        })),
      );
      // The marker lives as long as a window: a flushed cache loses it and the next start rebuilds.
      await this.cache.set(BUILT_MARKER, true, HOT_WINDOW_MS);
      return rows.length;
    });
    if (rebuilt) this.logger.log(`hot window rebuilt from ${rebuilt} signal(s)`);
    return rebuilt ?? 0;
  }
}
