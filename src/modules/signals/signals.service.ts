import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Events, type SignalCreatedEvent } from '../../common/events/event-map.js';
import { Metrics } from '../../infra/metrics/metrics.js';
import type { JsonObject } from '../../common/types/json.js';
import { SignalsHotWindow } from './signals-hot-window.service.js';
import { StrategyContextCache } from './strategy-context-cache.js';
import {
  levelOf,
  priorityOf,
  signalTypeOf,
  strengthOf,
  type StrengthLevel,
} from './signal-classification.js';
import type { IngestResult, SignalCandidate } from './signal-candidate.js';
import type { StrategySignalContext } from '../strategies/strategy-signal-context.js';
import type { SignalResponseDto } from './dto/signal.response.dto.js';

// $19/$20: the batch's strategies (ascending ids) and the revisions they were classified with. If
// any has changed or gone since, nothing is inserted and ingest reads them again (see below).
const INSERT = `
INSERT INTO signals (id, timestamp, owner_id, strategy_id, strategy_name, strategy_version, pair, exchange, timeframe,
                     kind, signal_type, strength_raw, strength_level, priority, price, indicators, tag, freqtrade_version)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::int[], $5::varchar[], $6::varchar[], $7::varchar[],
                     $8::varchar[], $9::varchar[], $10::signal_kind[], $11::signal_type[], $12::numeric[],
                     $13::strength_level[], $14::signal_priority[], $15::float8[], $16::jsonb[], $17::varchar[], $18::varchar[])
WHERE (SELECT array_agg(revision ORDER BY id) FROM strategies WHERE id = ANY($19::int[])) = $20::int[]
ON CONFLICT (strategy_id, pair, timeframe, timestamp, kind) DO NOTHING
RETURNING id, created_at`;

const COLUMNS = 18;
/** Classify-and-insert attempts when strategies keep changing under a batch; then it fails whole. */
const MAX_ATTEMPTS = 3;

/** A candidate that passed classification, with everything its row and its event need. */
interface Accepted {
  c: SignalCandidate;
  ctx: StrategySignalContext;
  id: string;
  timestamp: string;
  strength: number;
  level: StrengthLevel;
  price: number;
  indicators: string;
  tag: string | null;
}

/**
 * Ingest into the signal journal: classify, store idempotently in one statement (a multi-row insert
 * from arrays), emit one SignalCreated event per new signal, then update the hot window.
 * Re-delivered candles are duplicates, never errors. Strategy contexts come from a cache that the
 * insert itself validates, so the steady state is one database round trip per batch.
 */
@Injectable()
export class SignalsService {
  private readonly logger = new Logger(SignalsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly contexts: StrategyContextCache,
    private readonly events: EventEmitter2,
    private readonly hot: SignalsHotWindow,
    private readonly metrics: Metrics,
  ) {}

  async ingest(candidates: SignalCandidate[]): Promise<IngestResult> {
    if (!candidates.length) return classify([], new Map()).result;
    const ids = [...new Set(candidates.map((c) => c.strategyId))];
    let { contexts, fresh } = await this.contexts.get(ids);
    for (let attempt = 1; ; attempt++) {
      const { result, accepted, tally } = classify(candidates, contexts);
      const createdAt = accepted.length ? await this.insert(accepted, contexts) : new Map<string, Date>();
      // A stored row proves the contexts current (the insert checked them). Storing nothing means
      // duplicates, below threshold or unknown strategies — or contexts out of date, which the insert
      // refuses whole. Unless they were read just now and nothing was refused, read them again.
      if (!createdAt.size && (accepted.length || !fresh)) {
        const latest = await this.contexts.refresh(ids);
        if (ids.some((id) => contexts.get(id)?.revision !== latest.get(id)?.revision)) {
          if (attempt === MAX_ATTEMPTS) throw new Error('strategies kept changing during ingest; retry');
          contexts = latest;
          fresh = true;
          continue;
        }
      }
      result.stored = createdAt.size;
      result.duplicates += accepted.length - createdAt.size;
      this.count(accepted, createdAt, tally);
      if (createdAt.size) this.announce(accepted, createdAt);
      return result;
    }
  }

  /** Records that these signals reached `channel` (notification_sent, notification_channels). */
  async markNotified(
    refs: { id: string; timestamp: Date }[],
    channel: string,
    manager: EntityManager = this.db.manager,
  ): Promise<void> {
    if (!refs.length) return;
    await manager.query(
      `UPDATE signals SET notification_sent = true,
              notification_channels = CASE WHEN $3 = ANY(notification_channels) THEN notification_channels
                                           ELSE array_append(notification_channels, $3) END
       WHERE (id, timestamp) IN (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]))`,
      [refs.map((r) => r.id), refs.map((r) => r.timestamp), channel],
    );
  }

  /** Inserts the rows; returns created_at by id of those actually inserted (none when contexts are stale). */
  private async insert(
    rows: Accepted[],
    contexts: Map<number, StrategySignalContext>,
  ): Promise<Map<string, Date>> {
    const columns: unknown[][] = Array.from({ length: COLUMNS }, () => new Array<unknown>(rows.length));
    rows.forEach((r, i) => {
      const values = [
        r.id,
        r.timestamp,
        r.ctx.ownerId,
        r.c.strategyId,
        r.ctx.name,
        r.ctx.version,
        r.c.pair,
        r.c.exchange,
        r.c.timeframe,
        r.c.kind,
        signalTypeOf(r.c.kind),
        r.strength,
        r.level,
        priorityOf(r.level),
        r.price,
        r.indicators,
        r.tag,
        r.c.freqtradeVersion ?? null,
      ];
      for (let col = 0; col < COLUMNS; col++) columns[col]![i] = values[col];
    });
    const strategyIds = [...contexts.keys()].sort((a, b) => a - b);
    const revisions = strategyIds.map((id) => contexts.get(id)!.revision);
    const inserted = (await this.db.query(INSERT, [...columns, strategyIds, revisions])) as {
      id: string;
      created_at: Date;
    }[];
    return new Map(inserted.map((r) => [r.id, r.created_at]));
  }

  /** Per-strategy metrics: stored, duplicates (in the batch or already stored), below threshold. */
  private count(accepted: Accepted[], createdAt: Map<string, Date>, tally: Map<number, Tally>): void {
    const t = (id: number) => tally.get(id) ?? tally.set(id, { duplicates: 0, below: 0 }).get(id)!;
    const stored = new Map<number, number>();
    for (const a of accepted) {
      if (createdAt.has(a.id)) stored.set(a.c.strategyId, (stored.get(a.c.strategyId) ?? 0) + 1);
      else t(a.c.strategyId).duplicates++;
    }
    for (const [id, n] of stored) this.metrics.signalsIngested(id, n);
    for (const [id, { duplicates, below }] of tally) {
      this.metrics.signalsDuplicate(id, duplicates);
      this.metrics.signalsBelowThreshold(id, below);
    }
  }

  /** Events first (realtime latency), then the hot window; both in candidate order. */
  private announce(accepted: Accepted[], createdAt: Map<string, Date>): void {
    const stored = accepted.filter((a) => createdAt.has(a.id));
    for (const a of stored) {
      const event: SignalCreatedEvent = {
        ownerId: a.ctx.ownerId,
        signal: { ...toResponse(a, createdAt.get(a.id)!) },
      };
      this.events.emit(Events.SignalCreated, event);
    }
    // Issued now, not awaited: the cache ports apply commands in the order they are issued (one
    // Redis connection, or in-process at once), so any read issued after ingest returns — stats,
    // strategy counters, on this instance or after a realtime message reached another — sees them.
    // The rows are committed: a cache failure must not fail the ingest (a retry would find only
    // duplicates and their events would never be sent). The window catches up at the next rebuild.
    void this.hot
      .record(
        stored.map((a) => ({
          id: a.id,
          timestamp: a.c.candleTime,
          ownerId: a.ctx.ownerId,
          strategyId: a.c.strategyId,
          strategyName: a.ctx.name,
          signalType: signalTypeOf(a.c.kind),
          strengthLevel: a.level,
        })),
      )
      .catch((err: unknown) => this.logger.warn(`hot window not updated: ${(err as Error).message}`));
  }
}

/** Per strategy: candidates dropped as duplicates within the batch, and below the weak threshold. */
interface Tally {
  duplicates: number;
  below: number;
}

/** Classification of a batch under the given contexts: the rows to insert and the counts so far. */
function classify(
  candidates: SignalCandidate[],
  contexts: Map<number, StrategySignalContext>,
): { result: IngestResult; accepted: Accepted[]; tally: Map<number, Tally> } {
  const tally = new Map<number, Tally>();
  const t = (id: number) => tally.get(id) ?? tally.set(id, { duplicates: 0, below: 0 }).get(id)!;
  const result: IngestResult = {
    received: candidates.length,
    stored: 0,
    duplicates: 0,
    belowThreshold: 0,
    unknownStrategy: 0,
  };
  const accepted: Accepted[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const ctx = contexts.get(c.strategyId);
    if (!ctx) {
      result.unknownStrategy++;
      continue;
    }
    const strength = strengthOf(c.strength, ctx.defaultStrength);
    const level = levelOf(strength, ctx.thresholds);
    if (!level) {
      result.belowThreshold++;
      t(c.strategyId).below++;
      continue;
    }
    const key = `${c.strategyId}|${c.pair}|${c.timeframe}|${c.candleTime.getTime()}|${c.kind}`;
    if (seen.has(key)) {
      result.duplicates++;
      t(c.strategyId).duplicates++;
      continue;
    }
    seen.add(key);
    accepted.push({
      c,
      ctx,
      id: randomUUID(),
      timestamp: c.candleTime.toISOString(),
      strength,
      level,
      price: Number(c.price),
      indicators: JSON.stringify(c.indicators ?? {}),
      tag: c.tag ? truncate(c.tag, 255) : null,
    });
  }
  return { result, accepted, tally };
}

/** At most `max` characters, as varchar(max) counts them (code points: a surrogate pair stays whole). */
function truncate(text: string, max: number): string {
  return text.length <= max ? text : Array.from(text).slice(0, max).join('');
}

/**
 * The stored signal as GET /signals/{id} returns it, built from what was inserted rather than read
 * back: the columns hold exactly these values (indicators as parsed from the JSON stored; jsonb may
 * order keys differently, which JSON does not distinguish).
 */
function toResponse(a: Accepted, createdAt: Date): SignalResponseDto {
  return {
    id: a.id,
    timestamp: a.timestamp,
    strategy_id: a.c.strategyId,
    strategy_name: a.ctx.name,
    strategy_version: a.ctx.version,
    pair: a.c.pair,
    exchange: a.c.exchange,
    timeframe: a.c.timeframe,
    signal_type: signalTypeOf(a.c.kind),
    kind: a.c.kind,
    strength_raw: a.strength,
    strength_level: a.level,
    priority: priorityOf(a.level),
    price: a.price,
    indicators: JSON.parse(a.indicators) as JsonObject,
    tag: a.tag,
    freqtrade_version: a.c.freqtradeVersion ?? null,
    notification_sent: false,
    notification_channels: [],
    created_at: createdAt.toISOString(),
  };
}
