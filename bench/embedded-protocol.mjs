#!/usr/bin/env node
// Cost of keeping extended-protocol batches whole on the embedded server (electric-sql/pglite#1046).
// Prints figures, not a test.
//
//   npm run build && node bench/embedded-protocol.mjs
//
// Serves one PGlite data directory (a fresh temporary one) through pglite-socket twice — as shipped,
// and with src/database/embedded-protocol-batches.ts applied — and times N parameterised queries
// (`SELECT $1::int`) through a node-postgres pool: one connection (where both are correct), then 8
// connections at once with a transaction open elsewhere now and then (where the shipped queue
// interleaves batches; its errors and wrong answers are counted). Each is run 3 times, median shown.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { DIST, fmt, int, nowMs, out, sortNum } from './lib/common.mjs';

const { batchExtendedProtocol } = await import(path.join(DIST, 'database', 'embedded-protocol-batches.js'));
const N = Number(process.env.BENCH_QUERIES || 4000);

async function serve(db, patched) {
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
  if (patched) batchExtendedProtocol(server);
  await server.start();
  return { server, url: `postgres://postgres@${server.getServerConn()}/postgres` };
}

async function run(url, connections) {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  const warm = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  for (const c of warm) c.release();
  let errors = 0;
  let wrong = 0;
  const t0 = nowMs();
  const queries = Array.from({ length: N }, async (_, i) => {
    try {
      if (connections > 1 && i % 200 === 0) {
        // A short transaction, as a background job would run beside API requests.
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          await c.query('SELECT $1::int AS n', [i]);
          await c.query('COMMIT');
        } finally {
          c.release();
        }
      }
      const r = await pool.query('SELECT $1::int AS n', [i]);
      if (r.rows[0]?.n !== i) wrong++;
    } catch {
      errors++;
    }
  });
  await Promise.all(queries);
  const ms = nowMs() - t0;
  await pool.end();
  return { ms, errors, wrong };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-embedded-protocol-'));
try {
  const db = await PGlite.create(path.join(dir, 'data'), { postgresqlconf: 'shared_buffers = 32MB\n' });
  out(`${N} parameterised queries per run, median of 3 (node ${process.version}, ${os.cpus().length} cpus)`);
  for (const connections of [1, 8]) {
    for (const patched of [false, true]) {
      const { server, url } = await serve(db, patched);
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await run(url, connections));
      await server.stop();
      const ms = sortNum(runs.map((r) => r.ms))[1];
      const errors = runs.reduce((a, r) => a + r.errors, 0);
      const wrong = runs.reduce((a, r) => a + r.wrong, 0);
      out(
        `  ${connections} connection(s), ${patched ? 'batches kept whole' : 'pglite-socket as shipped'}: ` +
          `${fmt(ms, 0)} ms, ${int((N / ms) * 1000)} queries/s; errors ${errors}, wrong rows ${wrong} (all runs)`,
      );
    }
  }
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
