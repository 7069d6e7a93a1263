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
import type { SignalCreatedEvent } from '../../common/events/event-map.js';
import { LOCK, runExclusive, type Lock } from '../../infra/cache/cache.port.js';
import { LockName } from '../../infra/cache/lock-names.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { SignalsQueryService } from '../signals/signals-query.service.js';
import { SignalsService } from '../signals/signals.service.js';
import { NotificationDecisions } from './notification-decisions.js';
import { NotificationPlanner } from './notification-planner.service.js';

const PAGE = 500;
const HOUR_MS = 3_600_000;
/** Without a periodic sweep, how long a new signal is left to its event before a sweep may decide it. */
const DEFAULT_GRACE_MS = 60_000;
const LOCK_TTL_MS = 10 * 60_000;

export interface CatchUpResult {
  /** Signals that had no decision and got one now. */
  decided: number;
  /** Delivered signals whose notification_sent was not yet set (a crash between verdict and mark). */
  repaired: number;
}

/**
 * The durable half of "a signal's notifications are decided": SignalCreated is an in-process event,
 * so a crash between the signal's commit and the planner's transaction (or a planner failure) would
 * lose them. At start-up and every NOTIFY_CATCHUP_MS, under a lock (one instance at a time), this
 * reads the stored signals not marked notified and decides those without a decision marker. The
 * marker's key makes the sweep and a late event race safely: one decides, the other writes nothing.
 * It reads signals, it does not touch the ingest path (which stays one statement per batch).
 */
@Injectable()
export class NotificationCatchUp implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationCatchUp.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /** Signals stored up to here were examined by this instance; later sweeps start a grace before it. */
  private coveredUntil: number | null = null;
  private readonly bootedAt: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOCK) private readonly lock: Lock,
    private readonly signals: SignalsQueryService,
    private readonly signalFlags: SignalsService,
    private readonly planner: NotificationPlanner,
    private readonly decisions: NotificationDecisions,
  ) {
    this.bootedAt = clock.now();
  }

  onApplicationBootstrap(): void {
    // Signals stored before this process started cannot have an event still queued here.
    this.trigger(this.bootedAt);
    const every = this.config.notify.catchUpMs;
    if (every > 0) {
      this.timer = setInterval(() => this.trigger(), every);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private trigger(until?: number): void {
    if (this.running) return;
    this.running = this.run(until)
      .catch((err: unknown) => this.logger.error(`notification catch-up failed: ${(err as Error).message}`))
      .finally(() => (this.running = null));
  }

  /** One sweep under the lock; undefined when another instance holds it. */
  run(until?: number): Promise<CatchUpResult | undefined> {
    return runExclusive(this.lock, LockName.NotificationCatchUp, LOCK_TTL_MS, () => this.sweep(until));
  }

  /** Decides every undecided signal stored up to `until` (default: a grace period ago). */
  async sweep(until?: number): Promise<CatchUpResult> {
    const now = this.clock.now();
    const grace = this.config.notify.catchUpMs || DEFAULT_GRACE_MS;
    const createdBefore = new Date(until ?? now - grace);
    const since = new Date(now - this.config.notify.catchUpHours * HOUR_MS);
    const createdAfter = new Date(this.coveredUntil === null ? 0 : this.coveredUntil - grace);
    const result: CatchUpResult = { decided: 0, repaired: 0 };
    const ownerIds = await this.planner.ownersWithChannels();
    let after: { timestamp: Date; id: string } | null = null;
    for (;;) {
      const page = await this.signals.unnotified({
        ownerIds,
        since,
        createdAfter,
        createdBefore,
        after,
        limit: PAGE,
      });
      if (!page.length) break;
      const last = page[page.length - 1]!.signal;
      after = { timestamp: new Date(last.timestamp), id: last.id };
      await this.examine(
        page.map((p) => ({ ownerId: p.ownerId, signal: { ...p.signal } })),
        result,
      );
      if (page.length < PAGE) break;
    }
    await this.decisions.prune(new Date(since.getTime() - HOUR_MS));
    this.coveredUntil = Math.max(this.coveredUntil ?? 0, createdBefore.getTime());
    if (result.decided || result.repaired)
      this.logger.warn(
        `notification catch-up: ${result.decided} signal(s) decided late, ${result.repaired} marked notified`,
      );
    return result;
  }

  private async examine(page: SignalCreatedEvent[], result: CatchUpResult): Promise<void> {
    const ids = page.map((e) => e.signal.id);
    const decided = await this.decisions.decided(ids);
    const history = (await this.db.query(
      `SELECT signal_id, array_agg(DISTINCT channel) FILTER (WHERE status = 'success') AS sent
         FROM notifications WHERE signal_id = ANY($1::uuid[]) AND kind = 'signal' GROUP BY signal_id`,
      [ids],
    )) as { signal_id: string; sent: string[] | null }[];
    const rowsOf = new Map(history.map((h) => [h.signal_id, h.sent ?? []]));
    const time = (e: SignalCreatedEvent) => new Date(e.signal.timestamp as string);
    // Rows but no marker: decided before markers existed. Mark them so they are not read again.
    const unmarked = page.filter((e) => rowsOf.has(e.signal.id) && !decided.has(e.signal.id));
    await this.decisions.insertMany(
      unmarked.map((e) => e.signal.id),
      unmarked.map(time),
    );
    const byChannel = new Map<string, { id: string; timestamp: Date }[]>();
    for (const e of page)
      for (const channel of rowsOf.get(e.signal.id) ?? []) {
        const refs = byChannel.get(channel) ?? byChannel.set(channel, []).get(channel)!;
        refs.push({ id: e.signal.id, timestamp: time(e) });
      }
    const repaired = new Set<string>();
    for (const [channel, refs] of byChannel) {
      await this.signalFlags.markNotified(refs, channel);
      for (const r of refs) repaired.add(r.id);
    }
    result.repaired += repaired.size;
    for (const e of page) {
      if (decided.has(e.signal.id) || rowsOf.has(e.signal.id)) continue;
      await this.planner.planSignal(e, { once: true });
      result.decided++;
    }
  }
}
