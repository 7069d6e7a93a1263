import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { RUN_PREFIX_ENV, TEMPLATE_DB_ENV, TEMPLATE_DIR_ENV, dbUrl, withAdmin } from './databases.js';

async function migrate(url: string): Promise<void> {
  const ds = await new DataSource(dataSourceOptions(url, { poolMin: 1, poolMax: 2 })).initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

/** Migrates once into templates that every test file copies (immich's approach). */
export default async function globalSetup(): Promise<void> {
  const prefix = `btcw_t${randomBytes(3).toString('hex')}`;
  process.env[RUN_PREFIX_ENV] = prefix;

  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'btcw-tpl-')), 'pgdata');
  const embedded = await startEmbeddedPostgres(dir, 4);
  try {
    await migrate(embedded.url);
  } finally {
    await embedded.close();
  }
  process.env[TEMPLATE_DIR_ENV] = dir;

  const admin = process.env.TEST_PG_URL;
  if (admin) {
    const name = `${prefix}_template`;
    await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${name}`));
    await migrate(dbUrl(admin, name));
    process.env[TEMPLATE_DB_ENV] = name;
  }
}
