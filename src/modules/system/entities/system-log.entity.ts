import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

import { LOG_LEVELS, type LogLevelName } from '../../../common/logging/log-levels.js';

export { LOG_LEVELS, type LogLevelName };

/**
 * Warning-and-above application events plus the security audit trail. Partitioned by month on
 * created_at (the migration declares the partitioning; the primary key includes the partition key
 * because PostgreSQL requires it).
 */
@Entity('system_logs')
@Index('idx_system_logs_created', ['createdAt'])
@Index('idx_system_logs_level', ['level', 'createdAt'])
@Index('idx_system_logs_module', ['module', 'createdAt'])
@Index('idx_system_logs_user', ['userId'])
@Index('idx_system_logs_request', ['requestId'])
export class SystemLog {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @PrimaryColumn({ type: 'timestamptz', default: () => 'CURRENT_TIMESTAMP' })
  createdAt!: Date;

  @Column({ type: 'enum', enum: LOG_LEVELS, enumName: 'log_level' })
  level!: LogLevelName;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  module!: string | null;

  /** Dotted event name for audit records, e.g. auth.login.failed. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  event!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  functionName!: string | null;

  @Column({ type: 'integer', nullable: true })
  userId!: number | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  sessionId!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  metadata!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  stackTrace!: string | null;

  @Column({ type: 'inet', nullable: true })
  ipAddress!: string | null;

  @Column({ type: 'text', nullable: true })
  userAgent!: string | null;
}
