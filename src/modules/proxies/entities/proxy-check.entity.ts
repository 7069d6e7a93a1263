import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ProxyServer } from './proxy.entity.js';

export const CHECK_KINDS = ['scheduled', 'manual'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** One connectivity test of a proxy; kept PROXY_CHECK_RETENTION_DAYS (30) days. */
@Entity('proxy_checks')
@Index('idx_proxy_checks_proxy_time', ['proxyId', 'checkedAt'])
@Index('idx_proxy_checks_time', ['checkedAt'])
export class ProxyCheck {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'integer' })
  proxyId!: number;

  @ManyToOne(() => ProxyServer, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'proxy_id' })
  proxy?: ProxyServer;

  @Column({ type: 'timestamptz' })
  checkedAt!: Date;

  @Column({ type: 'varchar', length: 10 })
  kind!: CheckKind;

  @Column({ type: 'boolean' })
  success!: boolean;

  @Column({ type: 'integer', nullable: true })
  latencyMs!: number | null;

  /** Where it failed: proxy_connect, proxy_auth, tunnel, tls, timeout, http_status, … */
  @Column({ type: 'varchar', length: 20, nullable: true })
  failureStage!: string | null;

  @Column({ type: 'integer', nullable: true })
  httpStatus!: number | null;

  @Column({ type: 'text', nullable: true })
  errorMessage!: string | null;
}
