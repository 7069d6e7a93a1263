/** `npm run migration:run`: applies pending migrations to the configured database (the server also does this at start-up). */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfigFromProcess } from '../../config/app-config.js';
import { dataSourceOptions } from '../data-source-options.js';
import { startEmbeddedPostgres } from '../embedded-postgres.js';
import { runMigrationsLocked } from '../migrate.js';

const config = loadConfigFromProcess();
const db = config.database;
const embedded = db.mode === 'embedded' ? await startEmbeddedPostgres(db.dataDir, 4) : undefined;
const ds = await new DataSource(
  dataSourceOptions(embedded?.url ?? (db.mode === 'postgres' ? db.url : ''), { poolMin: 1, poolMax: 2 }),
).initialize();
try {
  const applied = await runMigrationsLocked(ds, { embedded: !!embedded });
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'no pending migrations\n');
} finally {
  await ds.destroy();
  await embedded?.close();
}
