import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { Events, type SystemAlertEvent } from '../../common/events/event-map.js';
import type { MessageContent, SendOutcome } from '../../infra/channels/channel.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { Metrics } from '../../infra/metrics/metrics.js';
import type { NotificationStatus } from './entities/notification.entity.js';
import { backoffMs } from './noise-policy.js';
import type { ClaimedRow } from './outbox-lease.js';

/** What became of an attempt, for the dispatcher's counters. */
export type Verdict = 'sent' | 'failed' | 'retried' | 'dead' | 'suppressed' | 'lost';

interface VerdictFields {
  status: NotificationStatus;
  reason?: string | null;
  error?: string;
  vendorId?: string | null;
  latencyMs?: number;
  nextAttemptAt: Date | null;
  sentAt?: Date | null;
  content?: MessageContent;
}

// One statement, one round trip. `synchronous_commit = off` for its own implicit transaction (the
// setting is read at commit): a crash in the next few hundred ms can lose the verdict, and the row
// is then reclaimed and sent again — the at-least-once contract the lease gives anyway (webhook
// receivers dedupe on webhook-id) — instead of one disk flush per message. Written only while this
// instance still holds the lease: a row reclaimed by another instance after a stall is theirs.
const WRITE = `
WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
UPDATE notifications SET status = $3, reason = $4, last_error = COALESCE($5, last_error),
       vendor_message_id = COALESCE($6, vendor_message_id), latency_ms = COALESCE($7, latency_ms),
       next_attempt_at = $8, sent_at = COALESCE($9, sent_at), content = COALESCE($10::jsonb, content),
       lease_until = NULL, updated_at = $11
  FROM async_commit
 WHERE id = $1 AND created_at = $2 AND status = 'sending' AND lease_until = $12`;

/**
 * Turns an attempt's outcome into the row's next state: success; failure at once for auth/config
 * and business errors; otherwise a retry with exponential backoff (at least the vendor's
 * retry_after), until NOTIFY_MAX_ATTEMPTS makes it dead and a system_alert says so.
 */
@Injectable()
export class DeliveryVerdicts {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: EventEmitter2,
    private readonly metrics: Metrics,
  ) {}

  async record(row: ClaimedRow, o: SendOutcome, content: MessageContent): Promise<Verdict> {
    const latencyMs = o.latencyMs;
    if (o.ok) {
      const done = await this.finish(row, 'success', {
        reason: row.kind === 'digest' ? row.reason : null,
        vendorId: o.vendorId ?? null,
        latencyMs,
        content,
      });
      return done ? 'sent' : 'lost';
    }
    const error = o.error ?? 'failed';
    if (!o.retryable) {
      const done = await this.finish(row, 'failed', { reason: 'rejected', error, latencyMs });
      return done ? 'failed' : 'lost';
    }
    if (row.attempts >= this.config.notify.maxAttempts) {
      if (!(await this.finish(row, 'dead', { reason: 'max_attempts', error, latencyMs }))) return 'lost';
      const alert: SystemAlertEvent = {
        level: 'error',
        component: 'notifications',
        message: `A ${row.channel} notification could not be delivered after ${row.attempts} attempts: ${error}`,
        ownerId: row.owner_id,
      };
      this.events.emit(Events.SystemAlert, alert);
      return 'dead';
    }
    this.metrics.notification(row.channel, 'retry', latencyMs === undefined ? undefined : latencyMs / 1000);
    const delay = Math.max(o.retryAfterMs ?? 0, backoffMs(row.attempts, this.config.notify.retryBaseMs));
    const done = await this.write(row, {
      status: 'pending',
      reason: o.rateLimited ? 'vendor_rate_limited' : 'retry',
      error,
      latencyMs,
      nextAttemptAt: new Date(this.clock.now() + delay),
    });
    return done ? 'retried' : 'lost';
  }

  /** A final state (success, failed, suppressed, dead), counted for /metrics. */
  async finish(
    row: ClaimedRow,
    status: NotificationStatus,
    f: Omit<VerdictFields, 'status' | 'nextAttemptAt' | 'sentAt'>,
  ): Promise<boolean> {
    const outcome = status === 'success' ? 'sent' : status === 'suppressed' ? 'suppressed' : 'failed';
    this.metrics.notification(
      row.channel,
      outcome,
      f.latencyMs === undefined ? undefined : f.latencyMs / 1000,
    );
    return this.write(row, {
      ...f,
      status,
      nextAttemptAt: null,
      sentAt: status === 'success' ? new Date(this.clock.now()) : null,
    });
  }

  /** Whether the verdict was written (false: the lease was lost to another instance). */
  private async write(row: ClaimedRow, f: VerdictFields): Promise<boolean> {
    const [, count] = (await this.db.query(WRITE, [
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
      new Date(this.clock.now()),
      row.lease_until,
    ])) as [unknown[], number];
    return count > 0;
  }
}
