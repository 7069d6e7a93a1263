import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ensureMonthlyPartitions } from '../../database/partitions.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { LOCK, runExclusive, type Lock } from '../../infra/cache/cache.port.js';
import { LockName } from '../../infra/cache/lock-names.js';

/** Tables partitioned by month, with their partition column. Later modules add theirs here. */
export const MONTHLY_PARTITIONED: ReadonlyArray<{ table: string; column: string }> = [
  { table: 'system_logs', column: 'created_at' },
  { table: 'signals', column: 'timestamp' },
  { table: 'notifications', column: 'created_at' },
];

/** Keeps this month and the next three partitioned ahead of time, at start-up and daily. */
@Injectable()
export class PartitionMaintenanceService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PartitionMaintenanceService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Never block start-up on this: the default partitions catch rows until the next run succeeds.
    await this.run().catch((err: unknown) =>
      this.logger.error(`partition maintenance failed: ${(err as Error).message}`),
    );
  }

  @Cron(CronExpression.EVERY_DAY_AT_3AM, { name: 'partition-maintenance' })
  async run(): Promise<string[]> {
    const created = await runExclusive(this.lock, LockName.PartitionMaintenance, 5 * 60_000, async () => {
      const names: string[] = [];
      for (const t of MONTHLY_PARTITIONED) {
        names.push(
          ...(await ensureMonthlyPartitions(this.db.manager, t.table, t.column, {
            now: new Date(this.clock.now()),
            monthsAhead: 3,
          })),
        );
      }
      return names;
    });
    if (created?.length) this.logger.log(`created partitions: ${created.join(', ')}`);
    return created ?? [];
  }
}
