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
import { Dataset } from '../../datasets/entities/dataset.entity.js';
import { Strategy } from '../../strategies/entities/strategy.entity.js';
import { User } from '../../users/entities/user.entity.js';

export const EVALUATION_TYPES = ['backtest', 'performance', 'risk', 'comparison', 'signal_quality'] as const;
export type EvaluationType = (typeof EVALUATION_TYPES)[number];
export const EVALUATION_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type EvaluationStatus = (typeof EVALUATION_STATUSES)[number];

/**
 * An evaluation (DB design §5): a real freqtrade backtest of a strategy version on a dataset, and
 * the figures computed from freqtrade's own result. Kept after it ends, with its HTML report.
 */
@Entity('evaluations')
@Index('idx_evaluations_user', ['userId'])
@Index('idx_evaluations_strategy', ['strategyId'])
@Index('idx_evaluations_type', ['evaluationType'])
@Index('idx_evaluations_status', ['status'])
export class Evaluation {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'enum', enum: EVALUATION_TYPES, enumName: 'evaluation_type' })
  evaluationType!: EvaluationType;

  @Column({ type: 'enum', enum: EVALUATION_STATUSES, enumName: 'evaluation_status', default: 'pending' })
  status!: EvaluationStatus;

  @Column({ type: 'jsonb' })
  config!: JsonObject;

  @Column({ type: 'timestamptz', nullable: true })
  startDate!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  endDate!: Date | null;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  results!: JsonObject;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reportPath!: string | null;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  charts!: JsonObject[];

  @Column({ type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ type: 'integer', nullable: true })
  strategyId!: number | null;

  @ManyToOne(() => Strategy, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'strategy_id' })
  strategy?: Strategy;

  @Column({ type: 'integer', nullable: true })
  datasetId!: number | null;

  @ManyToOne(() => Dataset, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'dataset_id' })
  dataset?: Dataset;

  @Column({ type: 'integer' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'uuid', nullable: true })
  taskId!: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  freqtradeVersion!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
