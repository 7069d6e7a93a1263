import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { LOG_LEVELS, type LogLevelName } from '../../../common/logging/log-levels.js';

export const LOG_SOURCES = ['freqtrade', 'system'] as const;
export type LogSource = (typeof LOG_SOURCES)[number];

/** What a strategy's bot and BTC Watcher said about it; pruned after STRATEGY_LOG_RETENTION_DAYS. */
@Entity('strategy_logs')
@Index('idx_strategy_logs_strategy_time', ['strategyId', 'timestamp'])
@Index('idx_strategy_logs_time', ['timestamp'])
export class StrategyLog {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'integer' })
  strategyId!: number;

  @Column({ type: 'timestamptz' })
  timestamp!: Date;

  @Column({ type: 'enum', enum: LOG_LEVELS, enumName: 'log_level' })
  level!: LogLevelName;

  @Column({ type: 'varchar', length: 20 })
  source!: LogSource;

  @Column({ type: 'text' })
  message!: string;
}
