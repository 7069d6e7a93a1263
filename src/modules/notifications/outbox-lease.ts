import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { VENDOR_LIMITS, type ChannelType, type MessageContent } from '../../infra/channels/channel.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import type { NotificationChannelEntity } from './entities/notification-channel.entity.js';
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
  /** Its channel as of the claim (null: removed); read by the claim itself, not per message. */
  channel_row: NotificationChannelEntity | null;
}

type Returned = Omit<ClaimedRow, 'channel_row'> & {
  was: string;
  ch_id: number | null;
  ch_owner_id: number;
  ch_type: ChannelType;
  ch_enabled: boolean;
  ch_config: NotificationChannelEntity['config'];
  ch_secrets: Record<string, string>;
  ch_base_url: string | null;
  ch_proxy_id: number | null;
  ch_min_level: NotificationChannelEntity['minLevel'];
};

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

  /**
   * Whether a claim would find anything: a plain read, several times cheaper than the claim
   * statement (an UPDATE … RETURNING planned over every partition). The dispatcher polls every
   * NOTIFY_POLL_MS, and on the embedded database each statement runs in the app's own event loop,
   * so an idle poll that claimed stalled every request in flight for 3–6 ms.
   */
  async anyDue(): Promise<boolean> {
    const now = new Date(this.clock.now());
    const rows = (await this.db.query(
      `SELECT 1 FROM notifications
        WHERE (status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1)
        LIMIT 1`,
      [now],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Up to `limit` rows, leased to this instance; `reclaimed` counts those a dead sender left. */
  async claim(limit: number): Promise<{ rows: ClaimedRow[]; reclaimed: number }> {
    const now = new Date(this.clock.now());
    const lease = new Date(now.getTime() + this.config.notify.leaseMs);
    const rows = (await this.db.query(
      `WITH due AS (
         SELECT id, created_at, channel_id, status AS was FROM notifications
         WHERE status IN ('pending', 'sending')
           AND ((status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1))
         ORDER BY next_attempt_at
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       UPDATE notifications n
          SET status = 'sending', lease_until = $2, attempts = n.attempts + 1, updated_at = $1
         FROM due LEFT JOIN notification_channels c ON c.id = due.channel_id
        WHERE n.id = due.id AND n.created_at = due.created_at
       RETURNING n.id, n.created_at, n.owner_id, n.channel, n.channel_id, n.kind, n.signal_id, n.signal_time,
                 n.reason, n.attempts, n.lease_until, n.content, due.was,
                 c.id AS ch_id, c.owner_id AS ch_owner_id, c.type AS ch_type, c.enabled AS ch_enabled,
                 c.config AS ch_config, c.secrets AS ch_secrets, c.base_url AS ch_base_url,
                 c.proxy_id AS ch_proxy_id, c.min_level AS ch_min_level`,
      [now, lease, limit],
    )) as [Returned[], number] | Returned[];
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as Returned[];
    return {
      rows: list.map(toClaimed),
      reclaimed: list.filter((r) => r.was === 'sending').length,
    };
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

function toClaimed(r: Returned): ClaimedRow {
  const { was: _was, ch_id, ch_owner_id, ch_type, ch_enabled, ch_config, ch_secrets, ...rest } = r;
  const { ch_base_url, ch_proxy_id, ch_min_level, ...row } = rest;
  const channel = {
    id: ch_id,
    ownerId: ch_owner_id,
    type: ch_type,
    enabled: ch_enabled,
    config: ch_config,
    secrets: ch_secrets,
    baseUrl: ch_base_url,
    proxyId: ch_proxy_id,
    minLevel: ch_min_level,
  } as NotificationChannelEntity;
  return { ...row, channel_row: ch_id === null ? null : channel };
}
