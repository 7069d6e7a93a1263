import { Logger } from '@nestjs/common';
import { MigrationExecutor, type DataSource } from 'typeorm';
import { DatabaseLock } from './database-locks.js';

const logger = new Logger('Migrations');

/**
 * Runs pending migrations. On a real PostgreSQL server the run is serialised by a session
 * advisory lock held on the connection that runs them, so two instances starting together never both
 * migrate: the second waits, then finds nothing pending. Embedded PGlite is one instance (and one
 * session, where advisory locks exclude nobody), so it needs no lock.
 */
export async function runMigrationsLocked(
  dataSource: DataSource,
  opts: { embedded: boolean },
): Promise<string[]> {
  if (await allApplied(dataSource)) return [];
  if (opts.embedded) return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [DatabaseLock.Migrations]);
    try {
      // On the locked connection itself: needing a second pooled one would deadlock a pool of one.
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const done = await executor.executePendingMigrations();
      if (done.length)
        logger.log(`applied ${done.length} migration(s): ${done.map((m) => m.name).join(', ')}`);
      return done.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [DatabaseLock.Migrations]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Whether every migration the code has is recorded as applied — the case at almost every start.
 * One plain read answers it; TypeORM's own check first probes information_schema (~50 ms of a cold
 * PGlite) and, on PostgreSQL, the lock costs round trips. Anything pending takes the full path.
 */
async function allApplied(dataSource: DataSource): Promise<boolean> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const [found] = (await dataSource.query('SELECT to_regclass($1)::text AS name', [table])) as {
    name: string | null;
  }[];
  if (!found?.name) return false;
  const rows = (await dataSource.query(`SELECT name FROM ${found.name}`)) as { name: string }[];
  const applied = new Set(rows.map((r) => r.name));
  // TypeORM names a migration the same way: its `name`, else its class name.
  return dataSource.migrations.every((m) => applied.has(m.name || m.constructor.name));
}
