import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { ChannelRegistry } from '../../infra/channels/channel-registry.js';
import { VENDOR_LIMITS, type ChannelTarget, type MessageContent } from '../../infra/channels/channel.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { Metrics } from '../../infra/metrics/metrics.js';
import { SignalsService } from '../signals/signals.service.js';
import { UsersService } from '../users/users.service.js';
import type { NotificationChannelEntity } from './entities/notification-channel.entity.js';
import { DeliveryVerdicts, type Verdict } from './delivery-verdicts.js';
import { destinationKeys } from './destination-keys.js';
import { NotificationChannelsService } from './notification-channels.service.js';
import { NotificationPlanner } from './notification-planner.service.js';
import { OutboxLease, type ClaimedRow } from './outbox-lease.js';
import { RateLimiter } from './rate-limiter.js';
import { digestContent, languageOf } from './templates.js';

export type { ClaimedRow } from './outbox-lease.js';

const BATCH = 20;

interface GroupCache {
  channel?: NotificationChannelEntity | null;
  target?: ChannelTarget;
}

/** Signals a group delivered, marked once at the group's end. */
type SignalRef = { id: string; timestamp: Date };

/** Counters since start, for the benchmark and tests. */
export interface DispatcherCounters {
  claimed: number;
  sent: number;
  failed: number;
  retried: number;
  dead: number;
  rateDeferred: number;
  reclaimed: number;
}

/**
 * Drains the outbox: claims due rows (OutboxLease), takes a rate-limit slot per destination (one
 * cache round trip), sends, records the verdict (DeliveryVerdicts, one statement). Signals delivered
 * are marked (notification_sent, notification_channels) once per channel group, not per message:
 * the flag follows the history, and the catch-up sweep repairs it after a crash in between.
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
    private readonly lease: OutboxLease,
    private readonly verdicts: DeliveryVerdicts,
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
    if (!(await this.lease.anyDue())) return;
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
    const delivered: SignalRef[] = [];
    try {
      for (let i = 0; i < rows.length; i++) {
        const wait = await this.process(rows[i]!, shared, delivered);
        if (wait > 0) {
          this.counters.rateDeferred += await this.lease.putBack(rows.slice(i), wait);
          return;
        }
      }
    } finally {
      if (delivered.length)
        await this.signals
          .markNotified(delivered, rows[0]!.channel)
          .catch((err: unknown) =>
            this.logger.warn(`signals not marked notified: ${(err as Error).message}`),
          );
    }
  }

  /** Due rows and rows whose lease lapsed, locked for this instance. */
  async claim(limit: number): Promise<ClaimedRow[]> {
    const { rows, reclaimed } = await this.lease.claim(limit);
    this.counters.claimed += rows.length;
    this.counters.reclaimed += reclaimed;
    return rows;
  }

  /** Returns the rate-limit wait when the row must go back for a slot, else 0. */
  private async process(row: ClaimedRow, shared: GroupCache, delivered: SignalRef[]): Promise<number> {
    try {
      return await this.processOne(row, shared, delivered);
    } catch (err) {
      // Unexpected (database, secret box): leave the row to its lease and say so once.
      this.logger.error(`notification ${row.id} not processed: ${(err as Error).message}`);
      return 0;
    }
  }

  private async processOne(
    row: ClaimedRow,
    shared: GroupCache = {},
    delivered: SignalRef[] = [],
  ): Promise<number> {
    // The channel row came with the claim; its opened target is shared by the group.
    shared.channel ??= row.channel_row;
    const channel = shared.channel;
    if (!channel || !channel.enabled) {
      await this.verdicts.finish(row, 'failed', {
        reason: 'channel_disabled',
        error: 'channel removed or disabled',
      });
      this.counters.failed++;
      return 0;
    }
    let content = row.content;
    let members: { signal_id: string | null; signal_time: Date | null; content: MessageContent }[] = [];
    if (row.kind === 'digest') {
      members = (await this.db.query(
        `SELECT signal_id, signal_time, content FROM notifications WHERE digest_id = $1 ORDER BY created_at`,
        [row.id],
      )) as typeof members;
      if (!members.length) {
        await this.verdicts.finish(row, 'suppressed', { reason: 'empty_digest' });
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
    // One slot per attempt: a retry is another arrival at the vendor.
    const slot = `${row.id}:${row.attempts}`;
    const wait = await this.limiter.take(keys, VENDOR_LIMITS[target.type], slot);
    if (wait > 0) {
      // Not an attempt: the row goes back (with the rest of its group), due when a slot frees.
      this.metrics.notification(row.channel, 'rate_limited');
      return wait;
    }
    const outcome = await this.registry.send(target, content, { id: row.id, nowMs: this.clock.now() });
    const [verdict] = await Promise.all([
      this.verdicts.record(row, outcome, content),
      this.limiter.settle(keys, slot),
    ]);
    this.count(verdict);
    if (verdict === 'sent')
      for (const m of [...members, row])
        if (m.signal_id && m.signal_time)
          delivered.push({ id: m.signal_id, timestamp: new Date(m.signal_time) });
    return 0;
  }

  private count(v: Verdict): void {
    if (v === 'sent') this.counters.sent++;
    else if (v === 'failed') this.counters.failed++;
    else if (v === 'retried') this.counters.retried++;
    else if (v === 'dead') this.counters.dead++;
  }
}
