import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ChannelType } from '../../../infra/channels/channel.port.js';
import { User } from '../../users/entities/user.entity.js';

export interface QuietHours {
  /** HH:MM in the user's time zone; the window may cross midnight. */
  start: string;
  end: string;
}

export type Routes = Record<'P0' | 'P1' | 'P2', ChannelType[]>;

/** Spec defaults: P0 → SMS + Feishu (SMS suits rare alerts only), P1 → Feishu, P2 → dashboard only. */
export const DEFAULT_ROUTES: Routes = { P0: ['sms', 'feishu'], P1: ['feishu'], P2: [] };
export const DEFAULT_STORM_THRESHOLD = 5;

/** A user's routing and noise policy; absent row = the defaults. */
@Entity('notification_rules')
export class NotificationRules {
  @PrimaryColumn({ type: 'integer' })
  ownerId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id' })
  owner?: User;

  @Column({ type: 'jsonb' })
  routes!: Routes;

  @Column({ type: 'jsonb', nullable: true })
  quietHours!: QuietHours | null;

  /** Seconds between notifications of one (strategy, pair, signal type); null: one timeframe. */
  @Column({ type: 'integer', nullable: true })
  cooldownSeconds!: number | null;

  /** More than this many messages to one channel within a minute → the rest of the minute is one digest. */
  @Column({ type: 'integer', default: DEFAULT_STORM_THRESHOLD })
  stormThreshold!: number;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
