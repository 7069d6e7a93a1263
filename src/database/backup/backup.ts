import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { AppConfig } from '../../config/app-config.js';
import { runCommand } from '../../infra/process/run-command.js';
import { dumpLogical, restoreLogical } from './logical-dump.js';

/**
 * Backups (spec §5.2 #4): one `.tar.gz` holding `manifest.json`, the database and the strategy
 * sources. The database is a `pg_dump` custom-format archive on PostgreSQL (a logical dump made
 * through the connection when pg_dump is missing or too old: logical-dump.ts), or PGlite's own data
 * directory dump when embedded. The manifest names the encryption key by fingerprint only (the key
 * never enters a backup) and records each table's row count, which a restore checks.
 */
export interface BackupManifest {
  format: 'btc-watcher-backup';
  version: 1;
  created_at: string;
  mode: 'postgres' | 'embedded';
  /** `logical`: per-table COPY data made through the connection (no usable pg_dump); `file` is a directory. */
  database: { kind: 'pg_dump' | 'logical' | 'pglite'; file: string };
  /** sha256 of APP_SECRET_KEY, first 16 hex digits: tells whether secrets in the dump can be opened. */
  key_fingerprint: string;
  row_counts: Record<string, number>;
  strategies: string[];
}

export type BackupFormat = 'auto' | 'pg_dump' | 'logical';

/** What dumps an open embedded database (the running server's, or one the CLI opened). */
export interface EmbeddedDumper {
  readonly url: string;
  dumpDataDir(): Promise<Blob>;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Rows per table of the current schema (partitioned tables counted through their parent). */
export async function rowCounts(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) {
      const r = await client.query<{ n: string }>(
        `SELECT count(*)::bigint AS n FROM "${name.replace(/"/g, '""')}"`,
      );
      counts[name] = Number(r.rows[0]!.n);
    }
    return counts;
  } finally {
    await client.end();
  }
}

async function tar(args: string[]): Promise<void> {
  const r = await runCommand('tar', args, { timeoutMs: 30 * 60_000, keepLines: 20 });
  if (r.code !== 0) throw new BackupError(`tar ${args[0]} failed: ${r.tail.join('\n').slice(-500)}`);
}

/**
 * Why pg_dump cannot dump this server, or null when it can: it must be on PATH and at least the
 * server's major version (an older pg_dump refuses a newer server).
 */
async function pgDumpUnusable(env: NodeJS.ProcessEnv, url: string): Promise<string | null> {
  const r = await runCommand('pg_dump', ['--version'], { env, timeoutMs: 10_000 }).catch(() => null);
  if (r?.code !== 0) return 'pg_dump was not found on PATH';
  const tool = Number(/(\d+)(?:\.\d+)*/.exec(r.stdout)?.[1]);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    const server = Math.floor(Number(rows[0]!.v) / 10_000);
    return tool >= server ? null : `pg_dump ${tool} is older than the server (${server})`;
  } finally {
    await client.end();
  }
}

/** A URL for pg_dump/pg_restore's command line without its password, which goes in PGPASSWORD (argv is public). */
function pgTool(config: AppConfig, url: string): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const env: NodeJS.ProcessEnv = { ...config.freqtrade.childEnv };
  if (password) env.PGPASSWORD = password;
  return { url: u.toString(), env };
}

/**
 * Writes a backup of the configured database and strategy sources to `out`. `embedded` is the open
 * embedded database (the server's own when it runs the scheduled backup).
 */
export async function createBackup(
  config: AppConfig,
  out: string,
  embedded?: EmbeddedDumper,
  /** PostgreSQL only: `auto` uses pg_dump when it can dump this server, else the logical dump. */
  format: BackupFormat = 'auto',
): Promise<BackupManifest> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'btcw-backup-'));
  try {
    let database: BackupManifest['database'];
    let url: string;
    if (config.database.mode === 'postgres') {
      url = config.database.url;
      const tool = pgTool(config, url);
      const unusable = format === 'logical' ? 'asked for' : await pgDumpUnusable(tool.env, url);
      if (unusable && format === 'pg_dump') throw new BackupError(`${unusable}: install postgresql-client`);
      if (unusable) {
        // Restorable without any PostgreSQL client tool: the data through the connection, the
        // schema from this release's migrations.
        database = { kind: 'logical', file: 'logical' };
        await dumpLogical(url, path.join(work, database.file));
      } else {
        database = { kind: 'pg_dump', file: 'database.pgdump' };
        // Custom format: compressed, restorable table by table; one snapshot, so it is consistent.
        const r = await runCommand(
          'pg_dump',
          [
            '--format=custom',
            '--no-owner',
            '--no-privileges',
            `--file=${path.join(work, database.file)}`,
            tool.url,
          ],
          { env: tool.env, timeoutMs: 6 * 3600_000 },
        );
        if (r.code !== 0) throw new BackupError(`pg_dump failed: ${r.tail.join('\n').slice(-500)}`);
      }
    } else {
      if (!embedded) throw new BackupError('the embedded database is not open');
      url = embedded.url;
      database = { kind: 'pglite', file: 'pgdata.tar.gz' };
      const blob = await embedded.dumpDataDir();
      writeFileSync(path.join(work, database.file), Buffer.from(await blob.arrayBuffer()));
    }
    const strategiesDir = config.paths.strategiesDir;
    const strategies = existsSync(strategiesDir)
      ? readdirSync(strategiesDir, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => path.relative(strategiesDir, path.join(e.parentPath, e.name)))
          .sort()
      : [];
    if (strategies.length) cpSync(strategiesDir, path.join(work, 'strategies'), { recursive: true });
    const manifest: BackupManifest = {
      format: 'btc-watcher-backup',
      version: 1,
      created_at: new Date().toISOString(),
      mode: config.database.mode,
      database,
      key_fingerprint: keyFingerprint(config.secrets.appSecretKey),
      row_counts: await rowCounts(url),
      strategies,
    };
    writeFileSync(path.join(work, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    const tmpOut = `${path.resolve(out)}.partial`;
    await tar(['-czf', tmpOut, '-C', work, '.']);
    // Renamed into place only once complete: a half-written backup never looks like a backup.
    renameSync(tmpOut, path.resolve(out));
    return manifest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Reads and checks an archive's manifest, extracted into `dir`. */
async function extract(file: string, dir: string): Promise<BackupManifest> {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`);
  await tar(['-xzf', path.resolve(file), '-C', dir]);
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile))
    throw new BackupError(`${file} is not a BTC Watcher backup (no manifest.json)`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BackupManifest;
  if (manifest.format !== 'btc-watcher-backup' || manifest.version !== 1)
    throw new BackupError(`${file} is not a BTC Watcher backup of a version this release reads`);
  return manifest;
}

/** Tables of the current schema on a PostgreSQL server (0: empty). */
async function tableCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`,
    );
    return r.rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** Drops and recreates the current schema: every table, type and sequence in it goes. */
async function emptySchema(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
    const schema = `"${rows[0]!.schema.replace(/"/g, '""')}"`;
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
}

export interface RestoreOptions {
  /** Restore over a non-empty database, and despite a different encryption key. */
  force?: boolean;
  /** Opens the embedded database in DATA_DIR once restored (to count its rows). */
  openEmbedded?: (dataDir: string) => Promise<{ url: string; close(): Promise<void> }>;
}

/**
 * Restores `file` into the configured database, which must be empty unless `force`. The backup's
 * mode must match the configuration's (a pg_dump archive restores into PostgreSQL, a PGlite dump
 * into DATA_DIR). Returns the manifest and the row counts found after the restore.
 */
export async function restoreBackup(
  config: AppConfig,
  file: string,
  opts: RestoreOptions = {},
): Promise<{ manifest: BackupManifest; counts: Record<string, number> }> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'btcw-restore-'));
  try {
    const manifest = await extract(file, work);
    if (manifest.mode !== config.database.mode)
      throw new BackupError(
        `the backup is of a${manifest.mode === 'embedded' ? 'n embedded' : ' PostgreSQL'} database; ` +
          `this configuration uses ${config.database.mode === 'embedded' ? 'the embedded one' : 'PostgreSQL'}`,
      );
    if (manifest.key_fingerprint !== keyFingerprint(config.secrets.appSecretKey) && !opts.force)
      throw new BackupError(
        'the backup was made under another APP_SECRET_KEY (fingerprint differs): stored secrets would not open. ' +
          'Set the same APP_SECRET_KEY, or pass --force to restore anyway',
      );
    let counts: Record<string, number>;
    if (config.database.mode === 'postgres') {
      const url = config.database.url;
      if ((await tableCount(url)) > 0) {
        if (!opts.force)
          throw new BackupError('the database is not empty: restore into an empty database, or pass --force');
        // pg_restore --clean cannot drop partitions' inherited constraints: empty the schema instead.
        await emptySchema(url);
      }
      if (manifest.database.kind === 'logical') {
        await restoreLogical(url, path.join(work, manifest.database.file)).catch((err: Error) => {
          throw new BackupError(`restoring the logical dump failed: ${err.message}`);
        });
      } else {
        const tool = pgTool(config, url);
        const args = ['--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${tool.url}`];
        const r = await runCommand('pg_restore', [...args, path.join(work, manifest.database.file)], {
          env: tool.env,
          timeoutMs: 6 * 3600_000,
        }).catch((err: Error) => {
          throw new BackupError(`pg_restore could not run (${err.message}): install postgresql-client`);
        });
        if (r.code !== 0) throw new BackupError(`pg_restore failed: ${r.tail.join('\n').slice(-500)}`);
      }
      counts = await rowCounts(url);
    } else {
      const dataDir = config.database.dataDir;
      const nonEmpty = existsSync(dataDir) && readdirSync(dataDir).length > 0;
      if (nonEmpty && !opts.force)
        throw new BackupError(
          `${dataDir} already holds a database: restore into an empty DATA_DIR, or pass --force`,
        );
      if (!opts.openEmbedded) throw new BackupError('cannot open the embedded database');
      if (nonEmpty) rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir, { recursive: true });
      const { PGlite } = await import('@electric-sql/pglite');
      const dump = readFileSync(path.join(work, manifest.database.file));
      const db = await PGlite.create(dataDir, { loadDataDir: new Blob([dump]) });
      await db.close();
      const opened = await opts.openEmbedded(dataDir);
      try {
        counts = await rowCounts(opened.url);
      } finally {
        await opened.close();
      }
    }
    if (manifest.strategies.length) {
      mkdirSync(config.paths.strategiesDir, { recursive: true });
      cpSync(path.join(work, 'strategies'), config.paths.strategiesDir, {
        recursive: true,
        force: Boolean(opts.force),
        errorOnExist: false,
      });
    }
    return { manifest, counts };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Backups in `dir` named by createScheduledBackup, newest first. */
export function listBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^btc-watcher-\d{8}T\d{6}Z\.tar\.gz$/.test(f))
    .sort()
    .reverse();
}

/** A file name for a backup made at `now`: btc-watcher-20260101T120000Z.tar.gz. */
export function backupFileName(now: Date): string {
  return `btc-watcher-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}.tar.gz`;
}
