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

export const TRAINING_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
export const isTrainingActive = (s: TrainingStatus) => s === 'pending' || s === 'running';

const numeric = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

/**
 * A training job (DB design §4): a freqtrade hyperopt run that optimises a strategy's parameters.
 * Each hyperopt epoch is a training epoch (one `training_metrics` row); `model_path` is the
 * parameter file freqtrade exported for the best epoch.
 */
@Entity('training_jobs')
@Index('idx_training_jobs_user', ['userId'])
@Index('idx_training_jobs_strategy', ['strategyId'])
@Index('idx_training_jobs_status', ['status'])
@Index('idx_training_jobs_created', ['createdAt'])
export class TrainingJob {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'enum', enum: TRAINING_STATUSES, enumName: 'training_status', default: 'pending' })
  status!: TrainingStatus;

  @Column({ type: 'numeric', precision: 5, scale: 2, default: 0, transformer: numeric })
  progress!: number;

  @Column({ type: 'integer', default: 0 })
  currentEpoch!: number;

  @Column({ type: 'integer', nullable: true })
  totalEpochs!: number | null;

  /** What to optimise: spaces, hyperopt_loss, time range, min_trades, random_state (+ resolved data). */
  @Column({ type: 'jsonb' })
  config!: JsonObject;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  hyperparameters!: JsonObject;

  /** The latest epoch's figures. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  metrics!: JsonObject;

  /** The best epoch's figures so far. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  bestMetrics!: JsonObject;

  /** freqtrade's exported parameter file of the best epoch. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  modelPath!: string | null;

  /** The tail of freqtrade's output. */
  @Column({ type: 'text', nullable: true })
  logs!: string | null;

  @Column({ type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ type: 'integer', nullable: true })
  strategyId!: number | null;

  @ManyToOne(() => Strategy, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'strategy_id' })
  strategy?: Strategy;

  /** The strategy version the job optimised (its source and parameters). */
  @Column({ type: 'varchar', length: 20, nullable: true })
  strategyVersion!: string | null;

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

  @Column({ type: 'integer', nullable: true })
  parentJobId!: number | null;

  @ManyToOne(() => TrainingJob, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'parent_job_id' })
  parentJob?: TrainingJob;

  @Column({ type: 'uuid', nullable: true })
  taskId!: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  freqtradeVersion!: string | null;

  /** Seconds, from past jobs' pace or the first epochs' (calibration); null until known. */
  @Column({ type: 'integer', nullable: true })
  estimatedDuration!: number | null;

  /** Seconds from the start of the run to its end. */
  @Column({ type: 'integer', nullable: true })
  actualDuration!: number | null;

  /** Seconds the freqtrade process ran; the rest of actual_duration is BTC Watcher's. */
  @Column({ type: 'numeric', precision: 10, scale: 2, nullable: true, transformer: numeric })
  freqtradeSeconds!: number | null;

  /** Percent of one core (psutil-style, may pass 100 with -j > 1), sampled from freqtrade's processes. */
  @Column({ type: 'numeric', precision: 6, scale: 2, nullable: true, transformer: numeric })
  cpuUsage!: number | null;

  /** Percent of the machine's memory used by freqtrade's processes. */
  @Column({ type: 'numeric', precision: 5, scale: 2, nullable: true, transformer: numeric })
  memoryUsage!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
