import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { JsonObject } from '../../../common/types/json.js';
import { TrainingJob } from './training-job.entity.js';

/** One hyperopt epoch of a training job (DB design §4 `training_metrics`); one row per epoch. */
@Entity('training_metrics')
@Index('idx_training_metrics_job', ['trainingJobId'])
@Index('idx_training_metrics_epoch', ['trainingJobId', 'epoch'], { unique: true })
export class TrainingMetric {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'integer' })
  trainingJobId!: number;

  @ManyToOne(() => TrainingJob, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'training_job_id' })
  job?: TrainingJob;

  @Column({ type: 'integer' })
  epoch!: number;

  @Column({ type: 'integer', nullable: true })
  step!: number | null;

  /** loss, total_profit_pct, trades, win_rate, avg_profit_pct, max_drawdown_pct, duration_s, is_best, params. */
  @Column({ type: 'jsonb' })
  metrics!: JsonObject;

  @Column({ type: 'timestamptz', default: () => 'CURRENT_TIMESTAMP' })
  recordedAt!: Date;
}
