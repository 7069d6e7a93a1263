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
import { User } from '../../users/entities/user.entity.js';

export const PROXY_TYPES = ['socks5', 'http', 'https'] as const;
export type ProxyKind = (typeof PROXY_TYPES)[number];

export const PROXY_STATUSES = ['unknown', 'healthy', 'unhealthy'] as const;
export type ProxyStatus = (typeof PROXY_STATUSES)[number];

/** One of a user's outbound proxies, with its health as the checks left it. */
@Entity('proxies')
@Index('idx_proxies_owner_name', ['ownerId', 'name'], { unique: true })
@Index('idx_proxies_next_check', ['nextCheckAt'])
export class ProxyServer {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  ownerId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id' })
  owner?: User;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'enum', enum: PROXY_TYPES, enumName: 'proxy_type' })
  type!: ProxyKind;

  @Column({ type: 'varchar', length: 255 })
  host!: string;

  @Column({ type: 'integer' })
  port!: number;

  @Column({ type: 'varchar', length: 255, nullable: true })
  username!: string | null;

  /** SecretBox ciphertext (`v1.<iv>.<tag>.<body>`); never the password itself. */
  @Column({ type: 'text', nullable: true })
  passwordSealed!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** 1 is tried first. */
  @Column({ type: 'integer', default: 1 })
  priority!: number;

  @Column({ type: 'varchar', length: 2000 })
  testUrl!: string;

  @Column({ type: 'integer', default: 3600 })
  checkIntervalSeconds!: number;

  @Column({ type: 'integer', default: 10 })
  checkTimeoutSeconds!: number;

  @Column({ type: 'integer', default: 3 })
  retryCount!: number;

  @Column({ type: 'enum', enum: PROXY_STATUSES, enumName: 'proxy_status', default: 'unknown' })
  status!: ProxyStatus;

  @Column({ type: 'integer', default: 0 })
  consecutiveFailures!: number;

  @Column({ type: 'integer', default: 0 })
  consecutiveSuccesses!: number;

  @Column({ type: 'timestamptz', nullable: true })
  lastCheckAt!: Date | null;

  /** When the scheduler checks it next; null while disabled. */
  @Column({ type: 'timestamptz', nullable: true })
  nextCheckAt!: Date | null;

  /** Of the last successful check. */
  @Column({ type: 'integer', nullable: true })
  latencyMs!: number | null;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  statusChangedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
