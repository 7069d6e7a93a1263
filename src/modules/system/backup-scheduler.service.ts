import { rmSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { backupFileName, createBackup, listBackups } from '../../database/backup/backup.js';
import { DatabaseRuntime } from '../../database/database.module.js';
import { LOCK, runExclusive, type Lock } from '../../infra/cache/cache.port.js';
import { LockName } from '../../infra/cache/lock-names.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';

const BACKUP_LOCK_MS = 6 * 3600_000;

/**
 * The scheduled backup (off unless BACKUP_CRON is set): one instance at a time writes
 * DATA_DIR/backups/btc-watcher-<time>.tar.gz and deletes all but the newest BACKUP_KEEP. On the
 * embedded database it dumps the server's own open PGlite (no second process may open it).
 */
@Injectable()
export class BackupScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(BackupScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runtime: DatabaseRuntime,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
    // Absent in the CLI contexts, which schedule nothing.
    @Optional() private readonly registry?: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const cron = this.config.backup.cron;
    if (!cron || !this.registry) return;
    const job = CronJob.from({
      cronTime: cron,
      timeZone: 'UTC',
      onTick: () => {
        void this.run().catch((err: unknown) =>
          this.logger.error(`scheduled backup failed: ${(err as Error).message}`),
        );
      },
    });
    this.registry.addCronJob('backup', job);
    job.start();
    this.logger.log(`scheduled backups: "${cron}" (UTC), keeping ${this.config.backup.keep}`);
  }

  /** One backup now (under the lock); returns its path, or null when another instance is running one. */
  async run(): Promise<string | null> {
    const made = await runExclusive(this.lock, LockName.Backup, BACKUP_LOCK_MS, async () => {
      const { dir, keep } = this.config.backup;
      const file = path.join(dir, backupFileName(new Date(this.clock.now())));
      await createBackup(this.config, file, this.runtime.embedded);
      for (const old of listBackups(dir).slice(keep)) rmSync(path.join(dir, old), { force: true });
      this.logger.log(`backup written: ${file}`);
      return file;
    });
    return made ?? null;
  }
}
