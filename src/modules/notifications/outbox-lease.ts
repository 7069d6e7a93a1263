import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { VENDOR_LIMITS, type ChannelType, type MessageContent } from '../../infra/channels/channel.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import type { NotificationKind } from './entities/notification.entity.js';

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

/**
 * Taking rows from the outbox and giving them back. A claim locks due rows (and rows whose lease
 * lapsed: their sender died) with FOR UPDATE SKIP LOCKED in one statement, so any number of
 * instances share the work without sending a row twice; attempts are counted at claim.
 */
@Injectable()
export class OutboxLease {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Up to `limit` rows, leased to this instance; `reclaimed` counts those a dead sender left. */
  async claim(limit: number): Promise<{ rows: ClaimedRow[]; reclaimed: number }> {
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
    return { rows: list, reclaimed: list.filter((r) => r.was === 'sending').length };
  }

  /**
   * Rows whose destination's rate limit is reached go back unattempted, due one after another at the
   * limit's pace from `waitMs` on, so they are not claimed again before a slot can be theirs. Only
   * rows this instance still leases. Returns how many went back.
   */
  async putBack(rows: ClaimedRow[], waitMs: number): Promise<number> {
    if (!rows.length) return 0;
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
        rows.map((_, k) => new Date(now + waitMs + k * spacing)),
      ],
    )) as [unknown[], number];
    return count;
  }
}
