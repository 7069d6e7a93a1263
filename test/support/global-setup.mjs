// Jest loads global setup outside its ESM module graph, where TypeScript sources cannot be imported
// by their .js names; it uses the compiled build instead (npm test builds first).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';

const dist = path.resolve(import.meta.dirname, '../../dist/src/database');

async function migrate(url) {
  const { dataSourceOptions } = await import(path.join(dist, 'data-source-options.js'));
  const ds = await new DataSource(dataSourceOptions(url, { poolMin: 1, poolMax: 2 })).initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

/** Migrates once into templates that every test file copies (immich's approach). */
export default async function globalSetup() {
  if (!existsSync(path.join(dist, 'data-source-options.js'))) {
    throw new Error('the e2e tests need the compiled build: run `npm run build` (npm test does it)');
  }
  const prefix = `btcw_t${randomBytes(3).toString('hex')}`;
  process.env.BTCW_TEST_RUN_PREFIX = prefix;

  const { startEmbeddedPostgres } = await import(path.join(dist, 'embedded-postgres.js'));
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'btcw-tpl-')), 'pgdata');
  const embedded = await startEmbeddedPostgres(dir, 4);
  try {
    await migrate(embedded.url);
  } finally {
    await embedded.close();
  }
  process.env.BTCW_TEST_TEMPLATE_DIR = dir;

  const admin = process.env.TEST_PG_URL;
  if (admin) {
    const name = `${prefix}_template`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    const url = new URL(admin);
    url.pathname = `/${name}`;
    await migrate(url.toString());
    process.env.BTCW_TEST_TEMPLATE_DB = name;
  }
}
