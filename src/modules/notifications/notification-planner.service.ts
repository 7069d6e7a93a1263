import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Events, type SignalCreatedEvent, type SystemAlertEvent } from '../../common/events/event-map.js';
import type { MessageContent } from '../../infra/channels/channel.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { StrategiesService } from '../strategies/strategies.service.js';
import { UsersService } from '../users/users.service.js';
import { NotificationChannelsService, type EffectiveRules } from './notification-channels.service.js';
import type { NotificationChannelEntity } from './entities/notification-channel.entity.js';
import type { NotificationKind, NotificationStatus } from './entities/notification.entity.js';
import { NotificationDecisions } from './notification-decisions.js';
import { meetsLevel, quietWindowEnd, timeframeToMs } from './noise-policy.js';
import { alertContent, languageOf, signalContent, type SignalView } from './templates.js';

/** Who gets woken when rows are written (the dispatcher registers itself). */
export const OUTBOX_WAKE = Symbol('OUTBOX_WAKE');
export interface OutboxWake {
  wake(): void;
}

export interface PlannedRow {
  channel: string;
  status: NotificationStatus;
  reason: string | null;
  id: string;
}

interface RowInput {
  id?: string;
  ownerId: number;
  channel: NotificationChannelEntity;
  kind: NotificationKind;
  priority: string;
  status: NotificationStatus;
  reason: string | null;
  content: MessageContent;
  nextAttemptAt: Date | null;
  digestId?: string | null;
  signal?: { id: string; time: Date; strategyId: number; pair: string; type: string } | null;
  createdAt: Date;
}

/**
 * Decides who hears about a signal or an alert, and writes the decision — pending rows for the
 * dispatcher, suppressed rows with their reason — in one transaction per event. Per channel, a
 * transaction-scoped advisory lock serialises deciders, so dedup, cooldown and storm counts hold
 * across instances.
 */
@Injectable()
export class NotificationPlanner {
  private readonly logger = new Logger(NotificationPlanner.name);
  private waker: OutboxWake | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly channels: NotificationChannelsService,
    private readonly strategies: StrategiesService,
    private readonly users: UsersService,
    private readonly decisions: NotificationDecisions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onWrite(waker: OutboxWake): void {
    this.waker = waker;
  }

  @OnEvent(Events.SignalCreated, { async: true, promisify: true })
  async handleSignal(ev: SignalCreatedEvent): Promise<void> {
    // A failure here is not a loss: the catch-up sweep decides signals that have no decision.
    await this.planSignal(ev, { once: true }).catch((err: unknown) =>
      this.logger.error(`notification planning failed for signal ${ev.signal.id}: ${(err as Error).message}`),
    );
  }

  @OnEvent(Events.SystemAlert, { async: true, promisify: true })
  async handleAlert(ev: SystemAlertEvent): Promise<void> {
    // Our own dead-letter alerts stay on the dashboard: routing them to the failing channel would loop.
    if ((ev.level !== 'error' && ev.level !== 'critical') || ev.component === 'notifications') return;
    await this.planAlert(ev).catch((err: unknown) =>
      this.logger.error(`notification planning failed for an alert: ${(err as Error).message}`),
    );
  }

  /**
   * Decides and writes the signal's rows with its decision marker, in one transaction. `once`: when
   * the signal was already decided (the event and the catch-up sweep raced), write nothing; without
   * it, a repeat is recorded per channel as a suppressed duplicate.
   */
  async planSignal(ev: SignalCreatedEvent, opts: { once?: boolean } = {}): Promise<PlannedRow[]> {
    const s = ev.signal as unknown as SignalView;
    const time = new Date(s.timestamp);
    // Channels first: an owner with none (the common case at ingest rates) costs one query.
    const enabled = await this.channels.enabledChannels(ev.ownerId);
    const overrides = enabled.length
      ? ((await this.strategies.notificationOverrides(s.strategy_id)) as {
          routes?: Partial<EffectiveRules['routes']>;
          muted?: boolean;
          cooldown_seconds?: number;
        })
      : {};
    const rules = enabled.length && !overrides.muted ? await this.channels.getRules(ev.ownerId) : null;
    const wanted = rules ? (overrides.routes?.[s.priority] ?? rules.routes[s.priority] ?? []) : [];
    const targets = enabled.filter((c) => wanted.includes(c.type) && meetsLevel(s.priority, c.minLevel));
    if (!rules || !targets.length) {
      await this.decisions.recordNone(s.id, time);
      return [];
    }
    const user = await this.users.findById(ev.ownerId);
    const tz = user?.timezone ?? 'UTC';
    const content = signalContent(s, languageOf(user?.language), tz);
    const cooldownMs =
      (overrides.cooldown_seconds ?? rules.cooldownSeconds ?? timeframeToMs(s.timeframe) / 1000) * 1000;
    const signal = {
      id: s.id,
      time: new Date(s.timestamp),
      strategyId: s.strategy_id,
      pair: s.pair,
      type: s.signal_type,
    };
    const planned = await this.db.transaction(async (tx) => {
      const out: PlannedRow[] = [];
      if (!(await this.decisions.claim(tx, s.id, time)) && opts.once) return out;
      for (const channel of targets) {
        await lockChannel(tx, channel.id);
        const now = new Date(this.clock.now());
        const base = {
          ownerId: ev.ownerId,
          channel,
          kind: 'signal' as const,
          priority: s.priority,
          content,
          signal,
          createdAt: now,
        };
        if (
          await exists(
            tx,
            `signal_id = $1 AND channel_id = $2 AND kind = 'signal' AND reason IS DISTINCT FROM 'duplicate'`,
            [s.id, channel.id],
          )
        ) {
          out.push(
            await insert(tx, { ...base, status: 'suppressed', reason: 'duplicate', nextAttemptAt: null }),
          );
          continue;
        }
        if (
          cooldownMs > 0 &&
          (await exists(
            tx,
            `channel_id = $1 AND strategy_id = $2 AND pair = $3 AND signal_type = $4 AND kind = 'signal'
             AND reason IS DISTINCT FROM 'duplicate' AND reason IS DISTINCT FROM 'cooldown'
             AND signal_time > $5 AND signal_time < $6`,
            [
              channel.id,
              s.strategy_id,
              s.pair,
              s.signal_type,
              new Date(signal.time.getTime() - cooldownMs),
              new Date(signal.time.getTime() + cooldownMs),
            ],
          ))
        ) {
          out.push(
            await insert(tx, { ...base, status: 'suppressed', reason: 'cooldown', nextAttemptAt: null }),
          );
          continue;
        }
        out.push(await this.admit(tx, base, rules, tz));
      }
      return out;
    });
    if (planned.some((p) => p.status === 'pending')) this.waker?.wake();
    return planned;
  }

  async planAlert(ev: SystemAlertEvent): Promise<PlannedRow[]> {
    const owners = ev.ownerId !== null ? [ev.ownerId] : await this.ownersWithChannels();
    const planned: PlannedRow[] = [];
    for (const ownerId of owners) {
      const rules = await this.channels.getRules(ownerId);
      const targets = (await this.channels.enabledChannels(ownerId)).filter((c) =>
        rules.routes.P0.includes(c.type),
      );
      if (!targets.length) continue;
      const user = await this.users.findById(ownerId);
      const tz = user?.timezone ?? 'UTC';
      const content = alertContent(ev, languageOf(user?.language), new Date(this.clock.now()).toISOString());
      planned.push(
        ...(await this.db.transaction(async (tx) => {
          const out: PlannedRow[] = [];
          for (const channel of targets) {
            await lockChannel(tx, channel.id);
            const now = new Date(this.clock.now());
            out.push(
              await this.admit(
                tx,
                {
                  ownerId,
                  channel,
                  kind: 'system_alert',
                  priority: 'P0',
                  content,
                  signal: null,
                  createdAt: now,
                },
                rules,
                tz,
              ),
            );
          }
          return out;
        })),
      );
    }
    if (planned.some((p) => p.status === 'pending')) this.waker?.wake();
    return planned;
  }

  /** Quiet hours (P1/P2 held for the window's digest), then storm collapse, else pending now. */
  private async admit(
    tx: EntityManager,
    base: Omit<RowInput, 'status' | 'reason' | 'nextAttemptAt'>,
    rules: EffectiveRules,
    tz: string,
  ): Promise<PlannedRow> {
    const now = base.createdAt;
    const quietEnd = base.priority === 'P0' ? null : quietWindowEnd(now.getTime(), rules.quietHours, tz);
    if (quietEnd !== null) {
      const digestId = await ensureDigest(tx, base, 'quiet_hours', new Date(quietEnd));
      return insert(tx, {
        ...base,
        status: 'suppressed',
        reason: 'quiet_hours',
        nextAttemptAt: null,
        digestId,
      });
    }
    const minuteStart = Math.floor(now.getTime() / 60_000) * 60_000;
    const [{ n }] = (await tx.query(
      `SELECT count(*)::int AS n FROM notifications
       WHERE channel_id = $1 AND created_at >= $2 AND kind IN ('signal', 'system_alert') AND status <> 'suppressed'`,
      [base.channel.id, new Date(minuteStart)],
    )) as [{ n: number }];
    if (n >= rules.stormThreshold) {
      const digestId = await ensureDigest(tx, base, 'storm', new Date(minuteStart + 60_000));
      return insert(tx, { ...base, status: 'suppressed', reason: 'storm', nextAttemptAt: null, digestId });
    }
    return insert(tx, { ...base, status: 'pending', reason: null, nextAttemptAt: now });
  }

  async ownersWithChannels(): Promise<number[]> {
    const rows = (await this.db.query(
      `SELECT DISTINCT owner_id FROM notification_channels WHERE enabled ORDER BY owner_id`,
    )) as { owner_id: number }[];
    return rows.map((r) => r.owner_id);
  }
}

/** Serialises deciders of one channel until the transaction ends (PGlite is one session: no-op there, already serial). */
async function lockChannel(tx: EntityManager, channelId: number): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock($1::int, $2::int)`, [NOTIFY_LOCK_SPACE, channelId]);
}
/** First key of the two-key advisory locks on channels (DatabaseLock ids are one-key locks). */
const NOTIFY_LOCK_SPACE = 7_100_100;

async function exists(tx: EntityManager, where: string, params: unknown[]): Promise<boolean> {
  const rows = (await tx.query(`SELECT 1 FROM notifications WHERE ${where} LIMIT 1`, params)) as unknown[];
  return rows.length > 0;
}

/** The pending digest of this channel, reason and due time; created when missing. */
async function ensureDigest(
  tx: EntityManager,
  base: Omit<RowInput, 'status' | 'reason' | 'nextAttemptAt'>,
  why: 'quiet_hours' | 'storm',
  due: Date,
): Promise<string> {
  const found = (await tx.query(
    `SELECT id FROM notifications WHERE channel_id = $1 AND kind = 'digest' AND status = 'pending'
       AND reason = $2 AND next_attempt_at = $3 LIMIT 1`,
    [base.channel.id, why, due],
  )) as { id: string }[];
  if (found[0]) return found[0].id;
  const row = await insert(tx, {
    ...base,
    kind: 'digest',
    signal: null,
    status: 'pending',
    reason: why,
    nextAttemptAt: due,
    // Rendered when it is sent, from the rows it carries by then.
    content: { ...base.content, kind: 'digest', items: [], lines: [] },
  });
  return row.id;
}

async function insert(tx: EntityManager, r: RowInput): Promise<PlannedRow> {
  const id = r.id ?? randomUUID();
  await tx.query(
    `INSERT INTO notifications (id, created_at, owner_id, channel, channel_id, kind, signal_id, signal_time, strategy_id,
                                pair, signal_type, priority, status, reason, digest_id, next_attempt_at, content, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $2)`,
    [
      id,
      r.createdAt,
      r.ownerId,
      r.channel.type,
      r.channel.id,
      r.kind,
      r.signal?.id ?? null,
      r.signal?.time ?? null,
      r.signal?.strategyId ?? null,
      r.signal?.pair ?? null,
      r.signal?.type ?? null,
      r.priority,
      r.status,
      r.reason,
      r.digestId ?? null,
      r.nextAttemptAt,
      JSON.stringify(r.content),
    ],
  );
  return { id, channel: r.channel.type, status: r.status, reason: r.reason };
}

export { insert as insertNotificationRow };
