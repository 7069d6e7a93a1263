import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { runMigrationsLocked } from '../../src/database/migrate.js';
import { createDataDir, createTestDatabase } from '../support/databases.js';
import { PG_ADMIN_URL, REDIS_URL, describeIfPg } from '../support/services.js';
import { ROOT, api, killLeftovers, login, spawnServer } from '../support/server-process.js';

/**
 * Several instances on one real PostgreSQL database starting at the same moment: the advisory
 * lock in runMigrationsLocked lets exactly one of them migrate, the first administrator is created
 * once, and the instances share users and sessions.
 */

/** `1795397318618-Initial.ts` → TypeORM's migration name `Initial1795397318618`. */
const MIGRATION_FILES = readdirSync(path.join(ROOT, 'migrations')).filter((f) => /^\d+-.*\.ts$/.test(f));
const EXPECTED = MIGRATION_FILES.map((f) => {
  const [, timestamp, name] = /^(\d+)-(.*)\.ts$/.exec(f)!;
  return { timestamp, name: `${name}${timestamp}` };
}).sort((a, b) => a.name.localeCompare(b.name));

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Every row of the migrations table, grouped: one entry per migration name with how often it is there. */
async function appliedMigrations(url: string) {
  const rows = await query<{ name: string; timestamp: string; n: string }>(
    url,
    `SELECT name, "timestamp"::text AS timestamp, count(*) AS n FROM migrations GROUP BY name, "timestamp" ORDER BY name`,
  );
  return rows.map((r) => ({ name: r.name, timestamp: r.timestamp, n: Number(r.n) }));
}

describeIfPg('migrations under concurrent start-up (real PostgreSQL)', () => {
  const cleanup: (() => unknown)[] = [];

  afterAll(async () => {
    await killLeftovers();
    for (const fn of cleanup.reverse()) await fn();
  }, 20_000);

  it('has migration files to apply', () => {
    expect(EXPECTED.length).toBeGreaterThan(0);
  });

  it('two servers starting together on an empty database: one migration run, one admin, shared tokens', async () => {
    const db = await createTestDatabase(PG_ADMIN_URL!, { migrated: false });
    cleanup.push(() => db.drop());
    const dirs = [createDataDir({ withDatabase: false }), createDataDir({ withDatabase: false })];
    for (const d of dirs) cleanup.push(() => d.remove());

    const password = 'admin-pass-123';
    const common = {
      DATABASE_URL: db.url,
      JWT_SECRET: randomBytes(30).toString('base64url'), // 40 characters
      APP_SECRET_KEY: randomBytes(32).toString('base64url'),
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: password,
      DB_POOL_MIN: '1',
      DB_POOL_MAX: '4',
      ...(REDIS_URL ? { REDIS_URL, REDIS_KEY_PREFIX: `btcw-t-${randomBytes(4).toString('hex')}:` } : {}),
    };
    expect(common.JWT_SECRET).toHaveLength(40);

    // Both spawned before either is waited on.
    const [a, b] = await Promise.all(dirs.map((d) => spawnServer({ ...common, DATA_DIR: d.dir })));
    await Promise.all([a!.waitUntilHealthy(30_000), b!.waitUntilHealthy(30_000)]);

    expect(await appliedMigrations(db.url)).toEqual(EXPECTED.map((m) => ({ ...m, n: 1 })));
    const users = await query<{ username: string }>(db.url, 'SELECT username FROM users ORDER BY id');
    expect(users).toEqual([{ username: 'admin' }]);

    // A token issued by A is accepted by B, and the other way round.
    const fromA = await login(a!.url, 'admin', password);
    expect(fromA.status).toBe(200);
    const onB = await api(b!.url, 'GET', '/auth/me', { token: fromA.body.data.access_token });
    expect(onB.status).toBe(200);
    expect(onB.body.data.username).toBe('admin');
    const fromB = await login(b!.url, 'admin', password);
    expect(fromB.status).toBe(200);
    expect((await api(a!.url, 'GET', '/auth/me', { token: fromB.body.data.access_token })).status).toBe(200);

    for (const s of [a!, b!]) s.kill('SIGTERM');
    const exits = await Promise.all([a!.waitForExit(10_000), b!.waitForExit(10_000)]);
    for (const e of exits) expect(e).toMatchObject({ code: 0, signal: null });
    for (const s of [a!, b!]) expect(s.stderr).toBe('');
  }, 45_000);

  it('runMigrationsLocked on two DataSources at once: no error, each migration applied once', async () => {
    const db = await createTestDatabase(PG_ADMIN_URL!, { migrated: false });
    cleanup.push(() => db.drop());
    const sources = [0, 1].map(() => new DataSource(dataSourceOptions(db.url, { poolMin: 1, poolMax: 4 })));
    for (const ds of sources) cleanup.push(() => (ds.isInitialized ? ds.destroy() : undefined));
    await Promise.all(sources.map((ds) => ds.initialize()));

    const ran = await Promise.all(sources.map((ds) => runMigrationsLocked(ds, { embedded: false })));

    // One of them held the lock and applied everything; the other then found nothing pending.
    expect([...ran[0]!, ...ran[1]!].sort()).toEqual(EXPECTED.map((m) => m.name));
    expect(ran.map((r) => r.length).sort()).toEqual([0, EXPECTED.length]);
    expect(await appliedMigrations(db.url)).toEqual(EXPECTED.map((m) => ({ ...m, n: 1 })));
    // The lock is released: a third run neither waits nor applies anything.
    expect(await runMigrationsLocked(sources[0]!, { embedded: false })).toEqual([]);
  }, 30_000);

  it('works with a pool of one connection (the lock and the migrations share it)', async () => {
    const db = await createTestDatabase(PG_ADMIN_URL!, { migrated: false });
    cleanup.push(() => db.drop());
    const ds = new DataSource(dataSourceOptions(db.url, { poolMin: 1, poolMax: 1 }));
    cleanup.push(() => (ds.isInitialized ? ds.destroy() : undefined));
    await ds.initialize();
    // Applied in timestamp order (EXPECTED is sorted by name for the table comparisons).
    const inOrder = [...EXPECTED]
      .sort((a, b) => Number(a.timestamp) - Number(b.timestamp))
      .map((m) => m.name);
    expect(await runMigrationsLocked(ds, { embedded: false })).toEqual(inOrder);
    expect(await appliedMigrations(db.url)).toEqual(EXPECTED.map((m) => ({ ...m, n: 1 })));
  }, 30_000);
});
