import { execFile, execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rowCounts } from '../../src/database/backup/backup.js';
import { DatabaseRuntime } from '../../src/database/database.module.js';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { CLOCK, ManualClock } from '../../src/infra/clock/clock.port.js';
import type { SignalCandidate } from '../../src/modules/signals/signal-candidate.js';
import { SignalsService } from '../../src/modules/signals/signals.service.js';
import { BackupScheduler } from '../../src/modules/system/backup-scheduler.service.js';
import { bearer, createUser } from '../factories/user.factory.js';
import { createDataDir, createTestDatabase } from '../support/databases.js';
import { MODES, PG_ADMIN_URL } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const TOOL = path.resolve('dist/src/tools/backup.js');
const HOUR = 3_600_000;

/** Runs the built backup tool like `npm run backup/restore` does. */
function tool(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TOOL, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: os.homedir(), ...env }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

describe.each(MODES)('backup and restore (%s)', (mode) => {
  const key = randomBytes(32).toString('base64url');
  const work = path.join(os.tmpdir(), `btcw-backup-test-${randomBytes(4).toString('hex')}`);
  const archive = path.join(work, 'backup.tar.gz');
  const cleanups: (() => Promise<void> | void)[] = [];
  let source: { dataDir: string; databaseUrl?: string };
  let target: { dataDir: string; databaseUrl?: string };
  let before: Record<string, number>;
  let user: { username: string; password: string };

  const envOf = (s: { dataDir: string; databaseUrl?: string }) => ({
    DATA_DIR: s.dataDir,
    APP_SECRET_KEY: key,
    ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}),
  });
  /** Row counts of a stopped installation's database. */
  const countsOf = async (s: { dataDir: string; databaseUrl?: string }) => {
    if (s.databaseUrl) return rowCounts(s.databaseUrl);
    const db = await startEmbeddedPostgres(path.join(s.dataDir, 'pgdata'), 2);
    try {
      return await rowCounts(db.url);
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    mkdirSync(work, { recursive: true });
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const make = async (migrated: boolean) => {
      const dir = createDataDir({ withDatabase: mode === 'embedded' && migrated });
      cleanups.push(dir.remove);
      if (mode === 'embedded') return { dataDir: dir.dir };
      const db = await createTestDatabase(PG_ADMIN_URL!, { migrated });
      cleanups.push(db.drop);
      return { dataDir: dir.dir, databaseUrl: db.url };
    };
    source = await make(true);
    target = await make(false);

    // An installation with a user, a strategy (its source file too) and signals.
    const t = await startTestApp({ mode, reuse: source, env: { RATE_LIMIT_MAX: '0', APP_SECRET_KEY: key } });
    try {
      const u = await createUser(t);
      user = { username: u.username, password: u.password };
      mkdirSync(path.join(source.dataDir, 'strategies'), { recursive: true });
      writeFileSync(
        path.join(source.dataDir, 'strategies', 'probe.py'),
        'from freqtrade.strategy import IStrategy\n\nclass Probe(IStrategy):\n    pass\n',
      );
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/strategies',
        headers: bearer(u.accessToken),
        payload: {
          name: 'Kept',
          config: {
            strategy_file: 'probe.py',
            strategy_class: 'Probe',
            timeframe: '1h',
            pair_whitelist: ['BTC/USDT'],
          },
        },
      });
      expect(res.statusCode).toBe(201);
      const strategyId = body(res).data.id as number;
      const hour = Math.floor(Date.now() / HOUR) * HOUR;
      const candidates: SignalCandidate[] = [1, 2, 3, 40 * 24].map((h) => ({
        strategyId,
        pair: 'BTC/USDT',
        exchange: 'binance',
        timeframe: '1h',
        candleTime: new Date(hour - h * HOUR),
        kind: 'enter_long',
        strength: 90,
        price: 100 + h,
      }));
      expect((await t.app.get(SignalsService).ingest(candidates)).stored).toBe(4);
    } finally {
      await t.close();
    }
    before = await countsOf(source);
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('npm run backup writes an archive with the database, the strategy sources and the key fingerprint only', async () => {
    const r = await tool(['backup', '--out', archive], envOf(source));
    expect(r).toEqual({ code: 0, out: expect.stringContaining(`wrote ${archive}`) });
    expect(existsSync(archive)).toBe(true);
    // The key itself is nowhere in the archive.
    expect(readFileSync(archive).includes(Buffer.from(key))).toBe(false);
    expect(r.out).toContain(mode === 'embedded' ? 'pglite' : 'pg_dump');
    expect(before.signals).toBe(4);
    expect(before.users).toBeGreaterThanOrEqual(2);
  });

  it('npm run restore into an empty database gives identical row counts and a working login', async () => {
    const r = await tool(['restore', archive], envOf(target));
    expect(r).toEqual({ code: 0, out: expect.stringContaining('identical to the backup') });
    expect(await countsOf(target)).toEqual(before);
    expect(readFileSync(path.join(target.dataDir, 'strategies', 'probe.py'), 'utf8')).toContain(
      'class Probe',
    );

    const t = await startTestApp({ mode, reuse: target, env: { APP_SECRET_KEY: key } });
    try {
      const login = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: user });
      expect(login.statusCode).toBe(200);
      const signals = await t.request({
        method: 'GET',
        url: '/api/v1/signals',
        headers: bearer(body(login).data.access_token as string),
      });
      expect(body(signals).data.signals).toHaveLength(4);
    } finally {
      await t.close();
    }
  });

  it('refuses a non-empty database unless --force, and a different encryption key', async () => {
    const again = await tool(['restore', archive], envOf(target));
    expect(again.code).not.toBe(0);
    expect(again.out).toMatch(mode === 'embedded' ? /already holds a database/ : /database is not empty/);
    const otherKey = await tool(['restore', archive], {
      ...envOf(target),
      APP_SECRET_KEY: randomBytes(32).toString('base64url'),
    });
    expect(otherKey.code).not.toBe(0);
    expect(otherKey.out).toMatch(/another APP_SECRET_KEY/);
    const forced = await tool(['restore', archive, '--force'], envOf(target));
    expect(forced).toEqual({ code: 0, out: expect.stringContaining('identical to the backup') });
    expect(await countsOf(target)).toEqual(before);
  });

  it('without pg_dump on PATH: a logical dump through the connection that restores with the same rows', async () => {
    if (mode === 'embedded') return; // PGlite dumps its own data directory: no pg_dump involved
    // A PATH with tar and gzip but no PostgreSQL client tools.
    const bin = path.join(work, 'bin-without-pg');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['tar', 'gzip'])
      symlinkSync(execSync(`command -v ${tool}`).toString().trim(), path.join(bin, tool));
    const logicalArchive = path.join(work, 'logical.tar.gz');
    const made = await tool(['backup', '--out', logicalArchive], { ...envOf(source), PATH: bin });
    expect(made).toEqual({ code: 0, out: expect.stringContaining('logical') });
    const restored = await createTestDatabase(PG_ADMIN_URL!, { migrated: false });
    cleanups.push(restored.drop);
    const into = { dataDir: target.dataDir, databaseUrl: restored.url };
    const r = await tool(['restore', logicalArchive, '--force'], { ...envOf(into), PATH: bin });
    expect(r).toEqual({ code: 0, out: expect.stringContaining('identical to the backup') });
    expect(await countsOf(into)).toEqual(before);
    // The restored database is one the server runs on: same login, same signals.
    const t = await startTestApp({ mode, reuse: into, env: { APP_SECRET_KEY: key } });
    try {
      const login = await t.request({ method: 'POST', url: '/api/v1/auth/login', payload: user });
      expect(login.statusCode).toBe(200);
      const signals = await t.request({
        method: 'GET',
        url: '/api/v1/signals',
        headers: bearer(body(login).data.access_token as string),
      });
      expect(body(signals).data.signals).toHaveLength(4);
    } finally {
      await t.close();
    }
  });

  it('refuses a file that is not a backup', async () => {
    const bogus = path.join(work, 'bogus.tar.gz');
    writeFileSync(bogus, 'not a tarball');
    const r = await tool(['restore', bogus], envOf(target));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/tar -xzf failed|not a BTC Watcher backup/);
  });

  it('the scheduled backup writes into DATA_DIR/backups from the running server and keeps BACKUP_KEEP', async () => {
    const clock = new ManualClock(Date.now());
    const t: TestApp = await startTestApp({
      mode,
      reuse: target,
      env: { APP_SECRET_KEY: key, BACKUP_CRON: '0 3 * * *', BACKUP_KEEP: '2' },
      overrides: [{ provide: CLOCK, useValue: clock }],
    });
    try {
      const scheduler = t.app.get(BackupScheduler);
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        made.push((await scheduler.run())!);
        clock.advance(60_000);
      }
      const dir = path.join(target.dataDir, 'backups');
      expect(readdirSync(dir).sort()).toEqual(
        made
          .slice(1)
          .map((f) => path.basename(f))
          .sort(),
      );
      // What the server wrote restores like the CLI's archives.
      const counts = await rowCounts(await t.app.get(DatabaseRuntime).url());
      const restored = await make();
      const r = await tool(['restore', made.at(-1)!], envOf(restored));
      expect(r).toEqual({ code: 0, out: expect.stringContaining('identical to the backup') });
      expect(await countsOf(restored)).toEqual(counts);
    } finally {
      await t.close();
    }

    async function make() {
      const dir = createDataDir({ withDatabase: false });
      cleanups.push(dir.remove);
      if (mode === 'embedded') return { dataDir: dir.dir };
      const db = await createTestDatabase(PG_ADMIN_URL!, { migrated: false });
      cleanups.push(db.drop);
      return { dataDir: dir.dir, databaseUrl: db.url };
    }
  });
});
