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
import { User } from '../../users/entities/user.entity.js';

export const DATASET_STATUSES = ['uploading', 'processing', 'ready', 'error'] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];

export interface DatasetColumn {
  name: string;
  type: 'datetime' | 'float64';
  description: string;
}

/**
 * Market data a strategy can be evaluated on (DB design §3), with the market identity a backtest
 * needs. The candles live in freqtrade's own layout under DATA_DIR/datasets/<id>/, so freqtrade
 * backtests read them directly; `file_path` is that file.
 */
@Entity('datasets')
@Index('idx_datasets_owner', ['ownerId'])
@Index('idx_datasets_status', ['status'])
@Index('idx_datasets_created', ['createdAt'])
@Index('idx_datasets_market', ['pair', 'timeframe'])
export class Dataset {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 500 })
  filePath!: string;

  /** Bytes of the uploaded file (or of the written candle file for a derived or downloaded dataset). */
  @Column({
    type: 'bigint',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  fileSize!: number | null;

  /** `csv` or `json` as uploaded; `derived` or `download` for the others. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  fileType!: string | null;

  @Column({ type: 'integer', nullable: true })
  rowCount!: number | null;

  @Column({ type: 'integer', nullable: true })
  columnCount!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  columns!: DatasetColumn[] | null;

  @Column({ type: 'enum', enum: DATASET_STATUSES, enumName: 'dataset_status', default: 'uploading' })
  status!: DatasetStatus;

  @Column({ type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  statistics!: JsonObject | null;

  @Column({ type: 'jsonb', nullable: true })
  sampleData!: JsonObject[] | null;

  @Column({ type: 'varchar', length: 50 })
  exchange!: string;

  @Column({ type: 'varchar', length: 50 })
  pair!: string;

  @Column({ type: 'varchar', length: 10 })
  timeframe!: string;

  @Column({ type: 'timestamptz', nullable: true })
  firstCandleAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastCandleAt!: Date | null;

  /** False for normalised data (prices are no longer prices) or candles with missing values. */
  @Column({ type: 'boolean', default: true })
  backtestable!: boolean;

  /** What a preprocess made it from, and how: {parent_id, operations, log}. */
  @Column({ type: 'jsonb', nullable: true })
  lineage!: JsonObject | null;

  /** Rows that could not be read: {count, examples: [{row, reason}]} (first 20). */
  @Column({ type: 'jsonb', nullable: true })
  badRows!: JsonObject | null;

  @Column({ type: 'uuid', nullable: true })
  taskId!: string | null;

  @Column({ type: 'integer' })
  ownerId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id' })
  owner?: User;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  processedAt!: Date | null;
}
