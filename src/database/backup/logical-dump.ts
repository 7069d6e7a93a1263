import { createReadStream, createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../data-source-options.js';
import { MIGRATIONS } from '../migrations.js';

/**
 * A logical dump made through the connection, for PostgreSQL servers where `pg_dump` is missing
 * or older than the server: the data of every table as `COPY … TO STDOUT` text (portable across
 * server versions), taken in one repeatable-read snapshot, plus what the schema cannot tell — the
 * applied migrations, the partitions and the sequences' positions. The schema itself comes from
 * this release's migrations on restore, run up to the last one the dump was made under.
 */
export interface LogicalDump {
  format: 'btc-watcher-logical';
  version: 1;
  /** Migration names, in the order they were applied. */
  migrations: string[];
  tables: { name: string; columns: string[]; file: string; rows: number }[];
  partitions: { name: string; parent: string; bound: string }[];
  sequences: { name: string; last_value: string; is_called: boolean }[];
}

const MIGRATIONS_TABLE = 'migrations';
const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

export async function dumpLogical(url: string, dir: string): Promise<LogicalDump> {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const migrations = (
      await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)
    ).rows.map((r) => r.name);
    const tables = (
      await client.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            AND c.relname <> $1
          ORDER BY c.relname`,
        [MIGRATIONS_TABLE],
      )
    ).rows.map((r) => r.name);
    const dump: LogicalDump = {
      format: 'btc-watcher-logical',
      version: 1,
      migrations,
      tables: [],
      partitions: (
        await client.query<{ name: string; parent: string; bound: string }>(
          `SELECT c.relname AS name, p.relname AS parent, pg_get_expr(c.relpartbound, c.oid) AS bound
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
             JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relispartition AND c.relkind IN ('r', 'p')
            ORDER BY c.relname`,
        )
      ).rows,
      sequences: [],
    };
    for (const name of tables) {
      const columns = (
        await client.query<{ name: string }>(
          `SELECT attname AS name FROM pg_attribute
            WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
            ORDER BY attnum`,
          [q(name)],
        )
      ).rows.map((r) => r.name);
      const file = `data/${name}.copy`;
      const list = columns.map(q).join(', ');
      // A query, not the table: COPY TO cannot read a partitioned table directly.
      const source = client.query(copyStreams.to(`COPY (SELECT ${list} FROM ${q(name)}) TO STDOUT`));
      await pipeline(source, createWriteStream(path.join(dir, file)));
      dump.tables.push({ name, columns, file, rows: source.rowCount ?? 0 });
    }
    const seqs = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'S' ORDER BY c.relname`,
    );
    for (const { name } of seqs.rows) {
      const r = await client.query<{ last_value: string; is_called: boolean }>(
        `SELECT last_value::text AS last_value, is_called FROM ${q(name)}`,
      );
      dump.sequences.push({ name, ...r.rows[0]! });
    }
    await client.query('COMMIT');
    writeFileSync(path.join(dir, 'logical.json'), JSON.stringify(dump, null, 2) + '\n');
    return dump;
  } finally {
    await client.end();
  }
}

/** Tables in an order where every table comes after the tables its foreign keys point at. */
async function loadOrder(client: pg.Client, tables: string[]): Promise<string[]> {
  const fks = await client.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = current_schema() AND NOT c.relispartition`,
  );
  const deps = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of fks.rows) if (child !== parent) deps.get(child)?.add(parent);
  const out: string[] = [];
  const placed = new Set<string>();
  while (out.length < tables.length) {
    const ready = tables.filter(
      (t) => !placed.has(t) && [...deps.get(t)!].every((p) => placed.has(p) || !deps.has(p)),
    );
    if (!ready.length)
      throw new Error(`foreign keys form a cycle among: ${tables.filter((t) => !placed.has(t)).join(', ')}`);
    for (const t of ready) {
      placed.add(t);
      out.push(t);
    }
  }
  return out;
}

/**
 * Restores a logical dump into an empty schema: this release's migrations up to the dump's last
 * one (a dump from a release whose migrations this one lacks is refused), then the partitions, the
 * data in foreign-key order and the sequences, in one transaction — all or nothing. Migrations
 * newer than the dump are left to the server's start, as after a pg_dump restore.
 */
export async function restoreLogical(url: string, dir: string): Promise<void> {
  const dump = JSON.parse(readFileSync(path.join(dir, 'logical.json'), 'utf8')) as LogicalDump;
  if (dump.format !== 'btc-watcher-logical' || dump.version !== 1)
    throw new Error('the logical dump is of a format this release does not read');
  const known = MIGRATIONS.map((m) => m.name);
  const unknown = dump.migrations.filter((m) => !known.includes(m));
  if (unknown.length)
    throw new Error(
      `the dump was made by a newer release (migrations ${unknown.join(', ')} are unknown here)`,
    );
  const upTo = Math.max(...dump.migrations.map((m) => known.indexOf(m)));
  const ds = new DataSource({
    ...dataSourceOptions(url, { poolMin: 0, poolMax: 1 }),
    migrations: MIGRATIONS.slice(0, upTo + 1),
  });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const p of dump.partitions)
      await client.query(`CREATE TABLE IF NOT EXISTS ${q(p.name)} PARTITION OF ${q(p.parent)} ${p.bound}`);
    const names = dump.tables.map((t) => t.name);
    // Rows a migration seeded are in the dump too.
    if (names.length) await client.query(`TRUNCATE ${names.map(q).join(', ')}`);
    for (const name of await loadOrder(client, names)) {
      const t = dump.tables.find((x) => x.name === name)!;
      const sink = client.query(
        copyStreams.from(`COPY ${q(name)} (${t.columns.map(q).join(', ')}) FROM STDIN`),
      );
      await pipeline(createReadStream(path.join(dir, t.file)), sink);
    }
    for (const s of dump.sequences)
      await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [
        q(s.name),
        s.last_value,
        s.is_called,
      ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}
