import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import type { JsonObject } from '../../../common/types/json.js';
import { User } from '../../users/entities/user.entity.js';

export const STRATEGY_TYPES = ['signal_monitor', 'trade_execution'] as const;
export type StrategyType = (typeof STRATEGY_TYPES)[number];

export const STRATEGY_STATUSES = ['draft', 'stopped', 'starting', 'running', 'stopping', 'error'] as const;
export type StrategyStatus = (typeof STRATEGY_STATUSES)[number];

/** Numeric columns arrive from pg as strings; performance figures are read as numbers. */
const numeric = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

@Entity('strategies')
@Index('idx_strategies_owner_name', ['ownerId', 'name'], { unique: true })
@Index('idx_strategies_owner_status', ['ownerId', 'status'])
@Index('idx_strategies_created', ['createdAt'])
export class Strategy {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  ownerId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id' })
  owner?: User;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'enum', enum: STRATEGY_TYPES, enumName: 'strategy_type', default: 'signal_monitor' })
  type!: StrategyType;

  @Column({ type: 'enum', enum: STRATEGY_STATUSES, enumName: 'strategy_status', default: 'stopped' })
  status!: StrategyStatus;

  /** The current version string (v1.0, v1.1 …); null while a brand-new draft was never published. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  version!: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  config!: JsonObject;

  /** freqtrade strategy parameter overrides, written into the bot's parameter file. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  parameters!: JsonObject;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags!: string[];

  @Column({ type: 'varchar', length: 50, nullable: true })
  category!: string | null;

  @Column({ type: 'integer', nullable: true })
  parentStrategyId!: number | null;

  @ManyToOne(() => Strategy, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'parent_strategy_id' })
  parent?: Strategy;

  /** 0–100 from the runtime's health checks; null while not running. */
  @Column({ type: 'smallint', nullable: true })
  healthScore!: number | null;

  /** When the current run reached `running`, for uptime. */
  @Column({ type: 'timestamptz', nullable: true })
  runningSince!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastRunAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'numeric', precision: 10, scale: 4, nullable: true, transformer: numeric })
  totalReturn!: number | null;

  @Column({ type: 'numeric', precision: 8, scale: 4, nullable: true, transformer: numeric })
  sharpeRatio!: number | null;

  @Column({ type: 'numeric', precision: 8, scale: 4, nullable: true, transformer: numeric })
  maxDrawdown!: number | null;

  @Column({ type: 'numeric', precision: 5, scale: 2, nullable: true, transformer: numeric })
  winRate!: number | null;

  /**
   * Per-strategy notification routing: `{routes?: {P0?, P1?, P2?: channel types}, muted?,
   * cooldown_seconds?}` replacing the owner's rules for this strategy's signals.
   */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  notificationOverrides!: JsonObject;

  /** Optimistic concurrency: a PUT naming an older revision is refused. */
  @VersionColumn({ default: 1 })
  revision!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
