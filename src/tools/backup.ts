/**
 * `npm run backup -- --out FILE [--format auto|pg_dump|logical]` and `npm run restore -- FILE [--force]`: a backup of the configured
 * database (pg_dump custom format on PostgreSQL, or a logical dump through the connection when pg_dump is missing or older than the server; PGlite's data-dir dump when embedded, which needs
 * the server stopped) plus the strategy sources and the encryption key's fingerprint; a restore into
 * an empty database (or over a non-empty one with --force), checked against the row counts recorded.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFromProcess } from '../config/app-config.js';
import {
  BackupError,
  backupFileName,
  createBackup,
  restoreBackup,
  type BackupFormat,
  type EmbeddedDumper,
} from '../database/backup/backup.js';

async function openEmbedded(dataDir: string, sharedBuffers: string) {
  const { startEmbeddedPostgres } = await import('../database/embedded-postgres.js');
  return startEmbeddedPostgres(dataDir, 2, { sharedBuffers });
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfigFromProcess({ LOG_LEVEL: 'warn' });
  const db = config.database;
  if (command === 'backup') {
    const { values } = parseArgs({
      args: rest,
      options: { out: { type: 'string' }, format: { type: 'string', default: 'auto' } },
    });
    const out = values.out ?? backupFileName(new Date());
    const format = values.format as BackupFormat;
    if (!['auto', 'pg_dump', 'logical'].includes(format))
      throw new BackupError('--format must be auto, pg_dump or logical');
    let embedded: (EmbeddedDumper & { close(): Promise<void> }) | undefined;
    if (db.mode === 'embedded') embedded = await openEmbedded(db.dataDir, db.sharedBuffers);
    try {
      const m = await createBackup(config, out, embedded, format);
      const rows = Object.values(m.row_counts).reduce((a, b) => a + b, 0);
      console.log(
        `wrote ${out}: ${m.database.kind}, ${Object.keys(m.row_counts).length} tables, ${rows} rows, ` +
          `${m.strategies.length} strategy file(s), key fingerprint ${m.key_fingerprint}`,
      );
      return 0;
    } finally {
      await embedded?.close();
    }
  }
  if (command === 'restore') {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { force: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    const file = positionals[0];
    if (!file) throw new BackupError('usage: npm run restore -- FILE [--force]');
    const { manifest, counts } = await restoreBackup(config, file, {
      force: values.force,
      openEmbedded: db.mode === 'embedded' ? (dir) => openEmbedded(dir, db.sharedBuffers) : undefined,
    });
    const differing = Object.entries(manifest.row_counts).filter(([t, n]) => counts[t] !== n);
    if (differing.length) {
      console.error(
        `restored, but row counts differ from the backup's: ${differing.map(([t, n]) => `${t} ${counts[t] ?? 'missing'} ≠ ${n}`).join(', ')}`,
      );
      return 1;
    }
    const rows = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `restored ${file} (made ${manifest.created_at}): ${rows} rows in ${Object.keys(counts).length} tables, identical to the backup`,
    );
    return 0;
  }
  throw new BackupError('usage: backup --out FILE [--format auto|pg_dump|logical] | restore FILE [--force]');
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof BackupError) console.error(err.message);
    else console.error(err);
    process.exit(1);
  },
);
