import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { Events, type SystemAlertEvent } from '../../common/events/event-map.js';
import { ChannelRegistry } from '../../infra/channels/channel-registry.js';
import {
  VENDOR_LIMITS,
  type ChannelTarget,
  type ChannelType,
  type MessageContent,
  type SendOutcome,
} from '../../infra/channels/channel.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { Metrics } from '../../infra/metrics/metrics.js';
import { SignalsService } from '../signals/signals.service.js';
import { UsersService } from '../users/users.service.js';
import type { NotificationKind, NotificationStatus } from './entities/notification.entity.js';
import type { NotificationChannelEntity } from './entities/notification-channel.entity.js';
import { NotificationChannelsService } from './notification-channels.service.js';
import { NotificationPlanner } from './notification-planner.service.js';
import { backoffMs } from './noise-policy.js';
import { RateLimiter } from './rate-limiter.js';
import { digestContent, languageOf } from './templates.js';

const BATCH = 20;

/** A claimed row, as the dispatcher needs it. */
export interface ClaimedRow {
  id: string;
  created_at: Date;
  owner_id: number;
  channel: string;
  channel_id: number | null;
  kind: NotificationKind;
  signal_id: string | null;
  signal_time: Date | null;
  reason: string | null;
  attempts: number;
  lease_until: Date;
  content: MessageContent;
}

interface GroupCache {
  channel?: NotificationChannelEntity | null;
  target?: ChannelTarget;
}

/** Counters since start, for /metrics (another module reads them) and the benchmark. */
export interface DispatcherCounters {
  claimed: number;
  sent: number;
  failed: number;
  retried: number;
  dead: number;
  rateDeferred: number;
  reclaimed: number;
}

/** Rate-limit keys of a target: per phone number for SMS, per bot/chat/URL otherwise. */
export function destinationKeys(t: ChannelTarget): string[] {
  const c = t.config;
  const s = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? ''));
  switch (t.type) {
    case 'sms':
      return (c.phone_numbers as string[]).map((p) =>
        RateLimiter.key('sms', p.replace(/^(\+86|0086|86)(?=1\d{10}$)/, '')),
      );
    case 'feishu':
      return [RateLimiter.key('feishu', `${t.baseUrl ?? ''}|${s(c.token)}`)];
    case 'dingtalk':
      return [RateLimiter.key('dingtalk', `${t.baseUrl ?? ''}|${s(c.access_token)}`)];
    case 'wecom':
      return [RateLimiter.key('wecom', `${t.baseUrl ?? ''}|${s(c.key)}`)];
    case 'telegram':
      return [RateLimiter.key('telegram', `${t.baseUrl ?? ''}|${s(c.bot_token)}|${s(c.chat_id)}`)];
    case 'email':
      return [RateLimiter.key('email', `${s(c.host)}|${s(c.from)}`)];
    case 'webhook':
      return [RateLimiter.key('webhook', s(c.url))];
  }
}

/**
 * Drains the outbox: claims due rows (and rows whose lease lapsed: their sender died) with
 * FOR UPDATE SKIP LOCKED, so any number of instances share the work without sending a row twice;
 * takes a rate-limit slot per destination; sends; records the verdict. Retries network errors, 5xx
 * and rate limits with exponential backoff (at least the vendor's retry_after); auth/config and
 * business errors fail at once; after NOTIFY_MAX_ATTEMPTS a row is dead and a system_alert goes out.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  readonly counters: DispatcherCounters = {
    claimed: 0,
    sent: 0,
    failed: 0,
    retried: 0,
    dead: 0,
    rateDeferred: 0,
    reclaimed: 0,
  };

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly channels: NotificationChannelsService,
    private readonly registry: ChannelRegistry,
    private readonly limiter: RateLimiter,
    private readonly signals: SignalsService,
    private readonly users: UsersService,
    private readonly events: EventEmitter2,
    planner: NotificationPlanner,
    private readonly metrics: Metrics,
  ) {
    planner.onWrite({ wake: () => this.wake() });
  }

  onApplicationBootstrap(): void {
    if (!this.config.notify.dispatcherEnabled) return;
    this.timer = setInterval(() => this.wake(), this.config.notify.pollMs);
    this.timer.unref();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Runs a drain now, or right after the current one. */
  wake(): void {
    if (this.stopped || !this.config.notify.dispatcherEnabled) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => this.logger.error(`dispatch failed: ${(err as Error).message}`))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Claims and sends until nothing is due. Resolves when done (tests and the benchmark await it). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const rows = await this.claim(BATCH);
      if (!rows.length) return;
      // One channel's rows in order (they share its rate limit), channels side by side.
      const groups = new Map<string, ClaimedRow[]>();
      for (const r of rows) {
        const key = r.channel_id !== null ? String(r.channel_id) : r.id;
        const g = groups.get(key);
        if (g) g.push(r);
        else groups.set(key, [r]);
      }
      await Promise.all([...groups.values()].map((g) => this.processGroup(g)));
    }
  }

  /**
   * Sends a channel's rows one after another. When its rate limit is reached, the rest go back
   * spaced at the limit's pace, so they are not claimed again before a slot can be theirs.
   */
  private async processGroup(rows: ClaimedRow[]): Promise<void> {
    const shared: GroupCache = {};
    for (let i = 0; i < rows.length; i++) {
      const wait = await this.process(rows[i]!, shared);
      if (wait > 0) {
        await this.deferRest(rows.slice(i + 1), wait);
        return;
      }
    }
  }

  private async deferRest(rows: ClaimedRow[], wait: number): Promise<void> {
    if (!rows.length) return;
    const windows = VENDOR_LIMITS[rows[0]!.channel as ChannelType] ?? [];
    const spacing = Math.max(0, ...windows.map((w) => Math.ceil(w.windowMs / w.limit)));
    const now = this.clock.now();
    const [, count] = (await this.db.query(
      `UPDATE notifications n
          SET status = 'pending', reason = CASE WHEN n.kind = 'digest' THEN n.reason ELSE 'rate_limited' END,
              next_attempt_at = d.at, attempts = n.attempts - 1, lease_until = NULL, updated_at = $1
         FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[]) AS d(id, created_at, lease, at)
        WHERE n.id = d.id AND n.created_at = d.created_at AND n.status = 'sending' AND n.lease_until = d.lease`,
      [
        new Date(now),
        rows.map((r) => r.id),
        rows.map((r) => r.created_at),
        rows.map((r) => r.lease_until),
        rows.map((_, k) => new Date(now + wait + (k + 1) * spacing)),
      ],
    )) as [unknown[], number];
    this.counters.rateDeferred += count;
  }
  /** Due rows and rows whose lease lapsed, locked for this instance; attempts counted at claim. */
  async claim(limit: number): Promise<ClaimedRow[]> {
    const now = new Date(this.clock.now());
    const lease = new Date(now.getTime() + this.config.notify.leaseMs);
    const rows = (await this.db.query(
      `WITH due AS (
         SELECT id, created_at, status AS was FROM notifications
         WHERE status IN ('pending', 'sending')
           AND ((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1))
         ORDER BY next_attempt_at
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       UPDATE notifications n
          SET status = 'sending', lease_until = $2, attempts = n.attempts + 1, updated_at = $1
         FROM due
        WHERE n.id = due.id AND n.created_at = due.created_at
       RETURNING n.id, n.created_at, n.owner_id, n.channel, n.channel_id, n.kind, n.signal_id, n.signal_time,
                 n.reason, n.attempts, n.lease_until, n.content, due.was`,
      [now, lease, limit],
    )) as [ClaimedRow[], number] | ClaimedRow[];
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as (ClaimedRow & { was: string })[];
    this.counters.claimed += list.length;
    this.counters.reclaimed += list.filter((r) => r.was === 'sending').length;
    return list;
  }

  /** Returns the rate-limit wait when the row went back for a slot, else 0. */
  private async process(row: ClaimedRow, shared: GroupCache = {}): Promise<number> {
    try {
      return await this.processOne(row, shared);
    } catch (err) {
      // Unexpected (database, secret box): leave the row to its lease and say so once.
      this.logger.error(`notification ${row.id} not processed: ${(err as Error).message}`);
      return 0;
    }
  }

  private async processOne(row: ClaimedRow, shared: GroupCache = {}): Promise<number> {
    // One channel's rows share its row and opened target within a claimed batch.
    if (shared.channel === undefined)
      shared.channel = row.channel_id !== null ? await this.channels.byId(row.channel_id) : null;
    const channel = shared.channel;
    if (!channel || !channel.enabled) {
      await this.finish(row, 'failed', { reason: 'channel_disabled', error: 'channel removed or disabled' });
      this.counters.failed++;
      return 0;
    }
    let content = row.content;
    let members: {
      id: string;
      signal_id: string | null;
      signal_time: Date | null;
      content: MessageContent;
    }[] = [];
    if (row.kind === 'digest') {
      members = (await this.db.query(
        `SELECT id, signal_id, signal_time, content FROM notifications WHERE digest_id = $1 ORDER BY created_at`,
        [row.id],
      )) as typeof members;
      if (!members.length) {
        await this.finish(row, 'suppressed', { reason: 'empty_digest' });
        return 0;
      }
      const user = await this.users.findById(row.owner_id);
      content = digestContent(
        members.map((m) => m.content),
        row.reason === 'storm' ? 'storm' : 'quiet_hours',
        languageOf(user?.language),
        new Date(this.clock.now()).toISOString(),
      );
    }
    const target = (shared.target ??= await this.channels.target(channel));
    const keys = destinationKeys(target);
    const wait = await this.limiter.take(keys, VENDOR_LIMITS[target.type], row.id);
    if (wait > 0) {
      // Not an attempt: the row goes back, due when a slot frees.
      this.counters.rateDeferred++;
      this.metrics.notification(row.channel, 'rate_limited');
      await this.update(row, {
        status: 'pending',
        reason: row.kind === 'digest' ? row.reason : 'rate_limited',
        nextAttemptAt: new Date(this.clock.now() + wait),
        attemptsDelta: -1,
      });
      return wait;
    }
    const outcome = await this.registry.send(target, content, { id: row.id, nowMs: this.clock.now() });
    await this.limiter.settle(keys, row.id);
    await this.record(row, outcome, content, members);
    return 0;
  }

  private async record(
    row: ClaimedRow,
    o: SendOutcome,
    content: MessageContent,
    members: { signal_id: string | null; signal_time: Date | null }[],
  ): Promise<void> {
    if (o.ok) {
      const refs = [...members, row]
        .filter((m) => m.signal_id && m.signal_time)
        .map((m) => ({ id: m.signal_id!, timestamp: new Date(m.signal_time!) }));
      const done = await this.finish(
        row,
        'success',
        {
          reason: row.kind === 'digest' ? row.reason : null,
          vendorId: o.vendorId ?? null,
          latencyMs: o.latencyMs,
          content,
        },
        (tx) => this.signals.markNotified(refs, row.channel, tx),
      );
      if (done) this.counters.sent++;
      return;
    }
    if (!o.retryable) {
      this.counters.failed++;
      await this.finish(row, 'failed', {
        reason: 'rejected',
        error: o.error ?? 'failed',
        latencyMs: o.latencyMs,
      });
      return;
    }
    if (row.attempts >= this.config.notify.maxAttempts) {
      this.counters.dead++;
      const done = await this.finish(row, 'dead', {
        reason: 'max_attempts',
        error: o.error ?? 'failed',
        latencyMs: o.latencyMs,
      });
      if (done) {
        const alert: SystemAlertEvent = {
          level: 'error',
          component: 'notifications',
          message: `A ${row.channel} notification could not be delivered after ${row.attempts} attempts: ${o.error ?? 'failed'}`,
          ownerId: row.owner_id,
        };
        this.events.emit(Events.SystemAlert, alert);
      }
      return;
    }
    this.counters.retried++;
    this.metrics.notification(
      row.channel,
      'retry',
      o.latencyMs === undefined ? undefined : o.latencyMs / 1000,
    );
    const delay = Math.max(o.retryAfterMs ?? 0, backoffMs(row.attempts, this.config.notify.retryBaseMs));
    await this.update(row, {
      status: 'pending',
      reason: o.rateLimited ? 'vendor_rate_limited' : 'retry',
      error: o.error ?? 'failed',
      latencyMs: o.latencyMs,
      nextAttemptAt: new Date(this.clock.now() + delay),
    });
  }

  private finish(
    row: ClaimedRow,
    status: NotificationStatus,
    f: {
      reason?: string | null;
      error?: string;
      vendorId?: string | null;
      latencyMs?: number;
      content?: MessageContent;
    },
    then?: (tx: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    const outcome = status === 'success' ? 'sent' : status === 'suppressed' ? 'suppressed' : 'failed';
    this.metrics.notification(
      row.channel,
      outcome,
      f.latencyMs === undefined ? undefined : f.latencyMs / 1000,
    );
    return this.update(
      row,
      {
        ...f,
        status,
        nextAttemptAt: null,
        sentAt: status === 'success' ? new Date(this.clock.now()) : null,
      },
      then,
    );
  }

  /**
   * Writes the verdict only while this instance still holds the lease: a row reclaimed by another
   * instance after a stall belongs to that instance now. Returns whether it was written; `then`
   * runs in the same transaction when it was. The commit does not wait for the WAL flush: a crash in
   * the next few hundred ms can lose the verdict, and the row is then reclaimed and sent again —
   * the at-least-once contract the lease gives anyway (webhook receivers dedupe on webhook-id) —
   * instead of one disk flush per message.
   */
  private async update(
    row: ClaimedRow,
    f: {
      status: NotificationStatus;
      reason?: string | null;
      error?: string;
      vendorId?: string | null;
      latencyMs?: number;
      nextAttemptAt: Date | null;
      sentAt?: Date | null;
      content?: MessageContent;
      attemptsDelta?: number;
    },
    then?: (tx: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL synchronous_commit = off`);
      const res = (await tx.query(
        `UPDATE notifications SET status = $3, reason = $4, last_error = COALESCE($5, last_error),
              vendor_message_id = COALESCE($6, vendor_message_id), latency_ms = COALESCE($7, latency_ms),
              next_attempt_at = $8, sent_at = COALESCE($9, sent_at), content = COALESCE($10::jsonb, content),
              attempts = attempts + $11, lease_until = NULL, updated_at = $12
        WHERE id = $1 AND created_at = $2 AND status = 'sending' AND lease_until = $13`,
        [
          row.id,
          row.created_at,
          f.status,
          f.reason === undefined ? row.reason : f.reason,
          f.error ?? null,
          f.vendorId ?? null,
          f.latencyMs ?? null,
          f.nextAttemptAt,
          f.sentAt ?? null,
          f.content ? JSON.stringify(f.content) : null,
          f.attemptsDelta ?? 0,
          new Date(this.clock.now()),
          row.lease_until,
        ],
      )) as [unknown[], number];
      if (res[1] > 0 && then) await then(tx);
      return res[1] > 0;
    });
  }
}
