import { rmSync } from 'node:fs';
import path from 'node:path';
import { RUN_PREFIX_ENV, TEMPLATE_DIR_ENV, withAdmin } from './databases.js';

/** Drops every database this run created (template included), even those a crashed file left. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[TEMPLATE_DIR_ENV];
  if (dir) rmSync(path.dirname(dir), { recursive: true, force: true });
  const admin = process.env.TEST_PG_URL;
  const prefix = process.env[RUN_PREFIX_ENV];
  if (!admin || !prefix) return;
  await withAdmin(admin, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${prefix}%`],
    );
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
  });
}
