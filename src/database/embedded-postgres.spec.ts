import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';

/**
 * Several pooled connections share the one PGlite session behind the embedded server. Each
 * parameterised query is an extended-protocol batch (Parse/Bind/Describe/Execute/Sync) that uses
 * the session's unnamed statement and portal: batches from different connections must reach PGlite
 * whole, never interleaved message by message (electric-sql/pglite#1046).
 */
describe('embedded PGlite server under concurrent pooled connections', () => {
  let embedded: EmbeddedPostgres;
  let pool: pg.Pool;
  let dir: string;
  beforeAll(async () => {
    // A data directory, as in production: PGlite's file-system sync yields to the event loop between
    // messages, which is when other connections' messages queue up behind them.
    dir = mkdtempSync(path.join(tmpdir(), 'pglite-protocol-'));
    embedded = await startEmbeddedPostgres(path.join(dir, 'data'), 12);
    pool = new pg.Pool({ connectionString: embedded.url, max: 8 });
    // Open every pool slot first, so the queries below really run on eight connections at once.
    const clients = await Promise.all(Array.from({ length: 8 }, () => pool.connect()));
    for (const c of clients) c.release();
    await pool.query('CREATE TABLE t (id int PRIMARY KEY, owner int NOT NULL)');
  });
  afterAll(async () => {
    await pool?.end();
    await embedded?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every parameterised query, of differing shapes, answers with its own parameters', async () => {
    // One connection holds a transaction (as a background job would) while the others send their
    // batches: pglite-socket parks those behind it, then drains the backlog when it commits.
    const holder = await pool.connect();
    await holder.query('BEGIN');
    const n = 400;
    const settled = Promise.allSettled(
      Array.from({ length: n }, async (_, i) => {
        if (i % 50 === 7) {
          // A batch that fails at Parse: PGlite must skip to its Sync and leave the others be.
          const r = await pool.query('SELECT $1::int AS n FROM missing_table', [i]).catch((e: Error) => e);
          return r instanceof Error ? r.message : r.rows;
        }
        if (i % 2 === 0) {
          const r = await pool.query<{ n: number }>('SELECT $1::int AS n', [i]);
          return r.rows;
        }
        const r = await pool.query<{ s: string; n: number }>('SELECT $1::text AS s, $2::int + 1 AS n', [
          `q${i}`,
          i,
        ]);
        return r.rows;
      }),
    );
    // Round trips on the holder give the other sockets' batches time to arrive and queue up.
    for (let i = 0; i < 5; i++) await holder.query('SELECT $1::int AS held', [i]);
    await holder.query('COMMIT');
    holder.release();
    const results = await settled;
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    const rows = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    expect(rows).toEqual(
      Array.from({ length: n }, (_, i) =>
        i % 50 === 7
          ? 'relation "missing_table" does not exist'
          : i % 2 === 0
            ? [{ n: i }]
            : [{ s: `q${i}`, n: i + 1 }],
      ),
    );
  });

  it('transactions beside concurrent queries stay whole and see only their own writes', async () => {
    const txs = Array.from({ length: 8 }, async (_, k) => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('INSERT INTO t (id, owner) VALUES ($1, $2), ($3, $2)', [k * 2, k, k * 2 + 1]);
        const mine = await c.query<{ id: number }>('SELECT id FROM t WHERE owner = $1 ORDER BY id', [k]);
        if (k % 2) await c.query('ROLLBACK');
        else await c.query('COMMIT');
        return mine.rows.map((r) => r.id);
      } finally {
        c.release();
      }
    });
    const reads = Array.from({ length: 100 }, (_, i) =>
      pool.query<{ n: number }>('SELECT $1::int AS n', [i]).then((r) => r.rows[0]?.n),
    );
    const [mine, seen] = await Promise.all([Promise.all(txs), Promise.all(reads)]);
    expect(mine).toEqual(Array.from({ length: 8 }, (_, k) => [k * 2, k * 2 + 1]));
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const kept = await pool.query<{ owner: number }>('SELECT DISTINCT owner FROM t ORDER BY owner');
    expect(kept.rows.map((r) => r.owner)).toEqual([0, 2, 4, 6]);
  });
});
