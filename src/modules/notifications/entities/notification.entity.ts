import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { MessageContent } from '../../../infra/channels/channel.port.js';

export const NOTIFICATION_STATUSES = [
  'pending',
  'sending',
  'success',
  'failed',
  'suppressed',
  'dead',
] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export const NOTIFICATION_KINDS = ['signal', 'digest', 'test', 'system_alert'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * Outbox and history in one table, kept forever and partitioned by month on `created_at` (the
 * migration declares the partitioning). A row is written in the transaction that decides to notify;
 * the dispatcher claims due rows with FOR UPDATE SKIP LOCKED.
 */
@Entity('notifications')
@Index('idx_notifications_owner_time', ['ownerId', 'createdAt'])
@Index('idx_notifications_due', ['nextAttemptAt'], { where: `status IN ('pending', 'sending')` })
@Index('idx_notifications_signal', ['signalId'])
@Index('idx_notifications_digest', ['digestId'])
@Index('idx_notifications_cooldown', ['channelId', 'strategyId', 'pair', 'signalType', 'signalTime'])
@Index('idx_notifications_channel_time', ['channelId', 'createdAt'])
export class Notification {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'integer' })
  ownerId!: number;

  @Column({ type: 'varchar', length: 16 })
  channel!: string;

  @Column({ type: 'integer', nullable: true })
  channelId!: number | null;

  @Column({ type: 'varchar', length: 16 })
  kind!: NotificationKind;

  @Column({ type: 'uuid', nullable: true })
  signalId!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  signalTime!: Date | null;

  @Column({ type: 'integer', nullable: true })
  strategyId!: number | null;

  @Column({ type: 'varchar', length: 41, nullable: true })
  pair!: string | null;

  @Column({ type: 'varchar', length: 8, nullable: true })
  signalType!: string | null;

  @Column({ type: 'varchar', length: 2 })
  priority!: string;

  @Column({ type: 'enum', enum: NOTIFICATION_STATUSES, enumName: 'notification_status' })
  status!: NotificationStatus;

  /** Why a row was held, dropped or delayed: duplicate, cooldown, quiet_hours, storm, rate_limited, … */
  @Column({ type: 'varchar', length: 32, nullable: true })
  reason!: string | null;

  /** The digest that carries this held row. */
  @Column({ type: 'uuid', nullable: true })
  digestId!: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /** Redacted: vendor code and request id, never a token or an echoed string-to-sign. */
  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  vendorMessageId!: string | null;

  @Column({ type: 'integer', nullable: true })
  latencyMs!: number | null;

  /** The rendered message (language and time zone applied). */
  @Column({ type: 'jsonb' })
  content!: MessageContent;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ type: 'timestamptz', default: () => 'CURRENT_TIMESTAMP' })
  updatedAt!: Date;
}
