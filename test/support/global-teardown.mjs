import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** Drops every database this run created (template included), even those a crashed file left. */
export default async function globalTeardown() {
  const dir = process.env.BTCW_TEST_TEMPLATE_DIR;
  if (dir) rmSync(path.dirname(dir), { recursive: true, force: true });
  const admin = process.env.TEST_PG_URL;
  const prefix = process.env.BTCW_TEST_RUN_PREFIX;
  if (!admin || !prefix) return;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `${prefix}%`,
    ]);
    for (const r of rows) await client.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
