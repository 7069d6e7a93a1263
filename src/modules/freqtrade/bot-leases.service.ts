import os from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';

export const LEASE_TTL_MS = 30_000;

/**
 * Each running strategy is owned by exactly one instance through a renewable lease (architecture
 * §9). The instance name is stable across restarts of one installation (host + DATA_DIR), so a
 * restarted server knows the leases of its previous life as its own and takes its bots back at once;
 * another instance waits for the lease to lapse. Times are the database's, one clock for all.
 */
@Injectable()
export class BotLeases {
  readonly instance: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.instance = `${os.hostname()}:${config.paths.dataDir}`.slice(0, 255);
  }

  /** True when this instance holds the lease now (it was free, lapsed, or already ours). */
  async acquire(strategyId: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO bot_leases (strategy_id, instance, expires_at, acquired_at)
       VALUES ($1, $2, now() + $3 * interval '1 millisecond', now())
       ON CONFLICT (strategy_id) DO UPDATE
         SET instance = EXCLUDED.instance, expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at
         WHERE bot_leases.instance = EXCLUDED.instance OR bot_leases.expires_at < now()
       RETURNING strategy_id`,
      [strategyId, this.instance, LEASE_TTL_MS],
    );
    return rows.length > 0;
  }

  async renew(strategyIds: number[]): Promise<void> {
    if (!strategyIds.length) return;
    await this.db.query(
      `UPDATE bot_leases SET expires_at = now() + $3 * interval '1 millisecond'
       WHERE instance = $1 AND strategy_id = ANY($2::int[])`,
      [this.instance, strategyIds, LEASE_TTL_MS],
    );
  }

  async release(strategyId: number): Promise<void> {
    await this.db.query(`DELETE FROM bot_leases WHERE strategy_id = $1 AND instance = $2`, [
      strategyId,
      this.instance,
    ]);
  }

  /**
   * Strategies meant to be running whose bot nobody runs: no lease, a lapsed one, or one of ours
   * that this process does not run (left by our previous life).
   */
  async orphans(running: number[]): Promise<number[]> {
    const rows: { id: number }[] = await this.db.query(
      `SELECT s.id FROM strategies s
       LEFT JOIN bot_leases l ON l.strategy_id = s.id
       WHERE s.type = 'signal_monitor'
         -- 'starting' for minutes means the instance starting it is gone; a fresh one is mid-start.
         AND (s.status = 'running' OR (s.status = 'starting' AND s.updated_at < now() - interval '2 minutes'))
         AND (l.strategy_id IS NULL OR l.expires_at < now() OR l.instance = $1)
         AND NOT (s.id = ANY($2::int[]))
       ORDER BY s.id`,
      [this.instance, running],
    );
    return rows.map((r) => r.id);
  }
}
