import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { JsonObject } from '../../../common/types/json.js';
import type { ChannelType } from '../../../infra/channels/channel.port.js';
import { User } from '../../users/entities/user.entity.js';

export const PRIORITY_LEVELS = ['P0', 'P1', 'P2'] as const;
export type PriorityLevel = (typeof PRIORITY_LEVELS)[number];

/** One channel of each type per user. Secrets live sealed in `secrets`, never in `config`. */
@Entity('notification_channels')
@Index('idx_notification_channels_owner_type', ['ownerId', 'type'], { unique: true })
export class NotificationChannelEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  ownerId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id' })
  owner?: User;

  @Column({ type: 'varchar', length: 16 })
  type!: ChannelType;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** The non-secret fields of the type's config. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  config!: JsonObject;

  /** Secret fields of the config, each sealed by SecretBox. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  secrets!: Record<string, string>;

  /** Replaces the vendor's host (self-hosted gateways, emulators); null: the vendor's. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  baseUrl!: string | null;

  @Column({ type: 'integer', nullable: true })
  proxyId!: number | null;

  /** The least urgent priority this channel takes (P2: everything routed to it). */
  @Column({ type: 'varchar', length: 2, default: 'P2' })
  minLevel!: PriorityLevel;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
