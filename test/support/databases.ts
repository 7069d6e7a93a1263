import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** Name of the migrated template database / data dir made once per run by global-setup. */
export const TEMPLATE_DB_ENV = 'BTCW_TEST_TEMPLATE_DB';
export const TEMPLATE_DIR_ENV = 'BTCW_TEST_TEMPLATE_DIR';
export const RUN_PREFIX_ENV = 'BTCW_TEST_RUN_PREFIX';

export function dbUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file: empty (no migrations) or a copy of the migrated template. */
export async function createTestDatabase(
  adminUrl: string,
  opts: { migrated: boolean },
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${process.env[RUN_PREFIX_ENV] ?? 'btcw_t'}_${randomBytes(4).toString('hex')}`;
  const template = opts.migrated ? process.env[TEMPLATE_DB_ENV] : undefined;
  await withAdmin(adminUrl, (c) =>
    c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`),
  );
  return {
    url: dbUrl(adminUrl, name),
    drop: () =>
      withAdmin(adminUrl, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

/** A fresh DATA_DIR whose embedded database is a copy of the migrated template (creating one costs ~2.5 s). */
export function createDataDir(opts: { withDatabase: boolean }): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'btcw-e2e-'));
  const template = process.env[TEMPLATE_DIR_ENV];
  if (opts.withDatabase && template) cpSync(template, path.join(dir, 'pgdata'), { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
