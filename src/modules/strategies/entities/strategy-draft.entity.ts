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
import { Strategy } from './strategy.entity.js';

/** Pending edits of a strategy (at most one per strategy), applied by publishing. */
export interface DraftPayload {
  name?: string;
  description?: string | null;
  config?: JsonObject;
  parameters?: JsonObject;
  tags?: string[];
  category?: string | null;
  source?: string;
  changelog?: string;
}

@Entity('strategy_drafts')
@Index('idx_strategy_drafts_owner', ['ownerId', 'updatedAt'])
export class StrategyDraft {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index('idx_strategy_drafts_strategy', { unique: true })
  @Column({ type: 'integer' })
  strategyId!: number;

  @ManyToOne(() => Strategy, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'strategy_id' })
  strategy?: Strategy;

  @Column({ type: 'integer' })
  ownerId!: number;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  payload!: DraftPayload;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
