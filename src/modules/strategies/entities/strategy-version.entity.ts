import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { JsonObject } from '../../../common/types/json.js';
import { Strategy } from './strategy.entity.js';

/** An immutable snapshot: written on create, publish, restore and every config or source change. */
@Entity('strategy_versions')
@Index('idx_strategy_versions_unique', ['strategyId', 'version'], { unique: true })
export class StrategyVersion {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  strategyId!: number;

  @ManyToOne(() => Strategy, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'strategy_id' })
  strategy?: Strategy;

  @Column({ type: 'varchar', length: 20 })
  version!: string;

  @Column({ type: 'jsonb' })
  config!: JsonObject;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  parameters!: JsonObject;

  /** Uploaded Python source of this version; null when the strategy runs a file from STRATEGIES_DIR. */
  @Column({ type: 'text', nullable: true })
  source!: string | null;

  /** SHA-256 of the source this version runs (uploaded, or the file's content when the version was made). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  sourceHash!: string | null;

  @Column({ type: 'text', nullable: true })
  changelog!: string | null;

  @Column({ type: 'integer', nullable: true })
  createdBy!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
