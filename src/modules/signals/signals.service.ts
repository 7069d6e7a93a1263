import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Events, type SignalCreatedEvent } from '../../common/events/event-map.js';
import { StrategiesService } from '../strategies/strategies.service.js';
import { Signal } from './entities/signal.entity.js';
import { SignalsHotWindow } from './signals-hot-window.service.js';
import { levelOf, priorityOf, signalTypeOf, strengthOf } from './signal-classification.js';
import type { IngestResult, SignalCandidate } from './signal-candidate.js';
import type { StrategySignalContext } from '../strategies/strategy-signal-context.js';
import { toSignalResponse } from './dto/signal.response.dto.js';

const INSERT = `
INSERT INTO signals (id, timestamp, owner_id, strategy_id, strategy_name, strategy_version, pair, exchange, timeframe,
                     kind, signal_type, strength_raw, strength_level, priority, price, indicators, tag, freqtrade_version)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::int[], $5::varchar[], $6::varchar[], $7::varchar[],
                     $8::varchar[], $9::varchar[], $10::signal_kind[], $11::signal_type[], $12::numeric[],
                     $13::strength_level[], $14::signal_priority[], $15::float8[], $16::jsonb[], $17::varchar[], $18::varchar[])
ON CONFLICT (strategy_id, pair, timeframe, timestamp, kind) DO NOTHING
RETURNING *`;

const COLUMNS = 18;

/**
 * Ingest into the signal journal: classify, store idempotently in one round trip (a multi-row
 * insert from arrays), and emit one SignalCreated event per new signal. Re-delivered candles are
 * duplicates, never errors.
 */
@Injectable()
export class SignalsService {
  private readonly logger = new Logger(SignalsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly strategies: StrategiesService,
    private readonly events: EventEmitter2,
    private readonly hot: SignalsHotWindow,
  ) {}

  async ingest(candidates: SignalCandidate[]): Promise<IngestResult> {
    const result: IngestResult = {
      received: candidates.length,
      stored: 0,
      duplicates: 0,
      belowThreshold: 0,
      unknownStrategy: 0,
    };
    if (!candidates.length) return result;
    const contexts = await this.strategies.signalContexts([...new Set(candidates.map((c) => c.strategyId))]);
    const columns: unknown[][] = Array.from({ length: COLUMNS }, () => []);
    const seen = new Set<string>();
    for (const c of candidates) {
      const ctx: StrategySignalContext | undefined = contexts.get(c.strategyId);
      if (!ctx) {
        result.unknownStrategy++;
        continue;
      }
      const strength = strengthOf(c.strength, ctx.defaultStrength);
      const level = levelOf(strength, ctx.thresholds);
      if (!level) {
        result.belowThreshold++;
        continue;
      }
      const key = `${c.strategyId}|${c.pair}|${c.timeframe}|${c.candleTime.getTime()}|${c.kind}`;
      if (seen.has(key)) {
        result.duplicates++;
        continue;
      }
      seen.add(key);
      const row = [
        randomUUID(),
        c.candleTime,
        ctx.ownerId,
        c.strategyId,
        ctx.name,
        ctx.version,
        c.pair,
        c.exchange,
        c.timeframe,
        c.kind,
        signalTypeOf(c.kind),
        strength,
        level,
        priorityOf(level),
        c.price,
        JSON.stringify(c.indicators ?? {}),
        c.tag ? c.tag.slice(0, 255) : null,
        c.freqtradeVersion ?? null,
      ];
      row.forEach((v, i) => columns[i]!.push(v));
    }
    const rows = seen.size ? ((await this.db.query(INSERT, columns)) as Record<string, unknown>[]) : [];
    result.stored = rows.length;
    result.duplicates += seen.size - rows.length;
    const repo = this.db.getRepository(Signal);
    const stored = rows.map((raw) => repo.create(fromRow(raw)));
    // The rows are committed: a cache failure must not fail the ingest (a retry would find only
    // duplicates and their events would never be sent). The window catches up at the next rebuild.
    await this.hot
      .record(stored)
      .catch((err: unknown) => this.logger.warn(`hot window not updated: ${(err as Error).message}`));
    for (const signal of stored) {
      const event: SignalCreatedEvent = { ownerId: signal.ownerId, signal: { ...toSignalResponse(signal) } };
      this.events.emit(Events.SignalCreated, event);
    }
    return result;
  }
}

/** RETURNING * gives snake_case columns; the entity wants camelCase. */
function fromRow(r: Record<string, unknown>): Partial<Signal> {
  return {
    id: r.id as string,
    timestamp: r.timestamp as Date,
    ownerId: r.owner_id as number,
    strategyId: r.strategy_id as number,
    strategyName: r.strategy_name as string,
    strategyVersion: r.strategy_version as string,
    pair: r.pair as string,
    exchange: r.exchange as string,
    timeframe: r.timeframe as string,
    kind: r.kind as Signal['kind'],
    signalType: r.signal_type as Signal['signalType'],
    strengthRaw: Number(r.strength_raw),
    strengthLevel: r.strength_level as Signal['strengthLevel'],
    priority: r.priority as Signal['priority'],
    price: Number(r.price),
    indicators: r.indicators as Signal['indicators'],
    tag: r.tag as string | null,
    freqtradeVersion: r.freqtrade_version as string | null,
    notificationSent: r.notification_sent as boolean,
    notificationChannels: r.notification_channels as string[],
    createdAt: r.created_at as Date,
  };
}
