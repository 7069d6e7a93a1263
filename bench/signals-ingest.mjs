#!/usr/bin/env node
// Signal ingest throughput: SignalsService.ingest (classify with cached strategy contexts → one
// INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING RETURNING id, created_at that also checks those
// contexts' revisions → one SignalCreated event per row, published to realtime once per batch →
// hot window in Redis, one pipeline) in batches of 100, against a raw COPY of equivalent rows into
// the same `signals` table.
//
//   npx nest build                   # REQUIRED first: this measures dist/, not src/
//   node bench/signals-ingest.mjs
//
// (a) real PostgreSQL (temporary database btcw_bench_<hex>) + Redis (key prefix btcw:bench:<hex>:),
//     10 strategies of one user × 20 pairs × 4 kinds, candle times 1 min apart in the last 23 h
//     (current-month partition, inside the 24 h hot window: what live ingest looks like), strength 90
//     (strong), nothing a duplicate:
//       - warm-up 1.5 s, then one caller ingesting batches of 100 back to back for 10 s  ← the target
//       - for information: 4 concurrent callers for 5 s, and the bare SQL statement ingest sends
//         (same INSERT … unnest … RETURNING id, created_at, batches of 100, one connection) to split
//         app vs SQL cost, and COPY in batches of 100 with a commit each (what the same batching costs
//         the fastest way into the table: the ceiling for any batch-of-100 ingest)
//       - TRUNCATE + CHECKPOINT, then one COPY … FROM STDIN (text format, pg-copy-streams) of as many
//         equivalent rows as the 10 s run stored; the ratio is ingest rate / COPY rate
// (b) for information: the same 10 s single-caller ingest on embedded PGlite (fresh DATA_DIR, no Redis).
//
// Targets: ≥ 10,000 signals/s through ingest on PostgreSQL; ingest/COPY ratio ≥ 0.5.
// Missing a target does not fail the script; errors do (exit 1). Everything it creates is removed.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import {
  Cleanup,
  KINDS,
  adminToken,
  createDatabase,
  createStrategies,
  dist,
  fmt,
  header,
  int,
  newId,
  nowMs,
  out,
  pairs,
  pct,
  redisPrefix,
  runBench,
  sortNum,
  startApp,
  tempDir,
  verdict,
} from './lib/common.mjs';

const BATCH = 100;
const WARMUP_MS = 1500;
const RUN_MS = 10_000;
const CONCURRENT_MS = 5000;
const CONCURRENCY = 4;
const STRATEGIES = 10;
const PAIRS = pairs(20);
const TARGET_RATE = 10_000;
const TARGET_RATIO = 0.5;
const MINUTE = 60_000;

const { SignalsService } = await dist('modules/signals/signals.service.js');
const { signalTypeOf } = await dist('modules/signals/signal-classification.js');

/**
 * Distinct candidates in candle-close order: at each minute every strategy × pair × kind (800
 * combinations), minutes from `fromMs` on. `offsetMs` shifts every candle (separate key spaces).
 */
function generator(strategyIds, fromMs, offsetMs = 0) {
  const S = strategyIds.length;
  const P = PAIRS.length;
  const combos = S * P * KINDS.length;
  let n = 0;
  return {
    get count() {
      return n;
    },
    next() {
      const combo = n % combos;
      const slot = Math.floor(n / combos);
      n++;
      return {
        strategyId: strategyIds[combo % S],
        pair: PAIRS[Math.floor(combo / S) % P],
        exchange: 'binance',
        timeframe: '1m',
        candleTime: new Date(fromMs + slot * MINUTE + offsetMs),
        kind: KINDS[Math.floor(combo / (S * P))],
        strength: 90,
        price: 40_000 + (n % 1000) * 1.5,
        indicators: { rsi: 30 + (n % 40), macd: 0.0012, ema_fast: 41_000.5, ema_slow: 40_800.25 },
        tag: 'bench',
        freqtradeVersion: '2025.8',
      };
    },
    batch(size = BATCH) {
      return Array.from({ length: size }, () => this.next());
    },
    /** Rows left before the candle times would leave the last 24 h. */
    capacity: Math.floor((Date.now() - fromMs) / MINUTE) * combos,
  };
}

/** One caller: batches back to back until `ms` passed; returns stored count and batch times. */
async function ingestLoop(svc, gen, ms) {
  const times = [];
  let stored = 0;
  let other = 0;
  const start = nowMs();
  const end = start + ms;
  while (nowMs() < end) {
    if (gen.count + BATCH > gen.capacity) throw new Error('ran out of distinct candle times');
    const batch = gen.batch();
    const t0 = nowMs();
    const r = await svc.ingest(batch);
    times.push(nowMs() - t0);
    stored += r.stored;
    other += r.duplicates + r.belowThreshold + r.unknownStrategy;
  }
  return { stored, other, elapsed: nowMs() - start, times: sortNum(times) };
}

function printLoop(label, r, target) {
  const rate = r.stored / (r.elapsed / 1000);
  out(
    `    ${label.padEnd(44)} ${int(r.stored).padStart(9)} stored in ${fmt(r.elapsed / 1000)} s = ` +
      `${int(rate).padStart(7)} signals/s` +
      (target ? `   target ≥ ${int(target)}/s: ${verdict(rate, target, false)}` : ''),
  );
  if (r.times)
    out(
      `    ${''.padEnd(44)} per batch of ${BATCH}: p50 ${fmt(pct(r.times, 50))} ms, p95 ${fmt(pct(r.times, 95))} ms, ` +
        `p99 ${fmt(pct(r.times, 99))} ms, max ${fmt(r.times.at(-1))} ms`,
    );
  if (r.other)
    out(`    WARNING: ${r.other} candidate(s) not stored (duplicate/below threshold/unknown strategy)`);
  return rate;
}

/** COPY text format: \N for null; backslash, tab, newline and CR escaped. */
const copyValue = (v) =>
  v === null || v === undefined
    ? '\\N'
    : String(v).replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]);

async function benchPostgres(cleanup) {
  const id = newId();
  const db = await createDatabase(cleanup, id);
  const prefix = redisPrefix(cleanup, id);
  const dataDir = tempDir(cleanup, 'btcw-bench-ingest-');
  out(`\n(a) PostgreSQL, database ${db.name}, Redis key prefix ${prefix}`);
  const { app, close } = await startApp(cleanup, { dataDir, databaseUrl: db.url, redisKeyPrefix: prefix });
  const token = await adminToken(app);
  const ids = await createStrategies(
    app,
    dataDir,
    token,
    Array.from({ length: STRATEGIES }, (_, i) => `Bench ${i + 1}`),
    PAIRS,
  );
  const svc = app.get(SignalsService);
  const from = Math.floor((Date.now() - 23 * 3_600_000) / MINUTE) * MINUTE;
  const gen = generator(ids, from);
  out(
    `    ${STRATEGIES} strategies × ${PAIRS.length} pairs × ${KINDS.length} kinds, candles 1 min apart from ${new Date(from).toISOString()}`,
  );

  await ingestLoop(svc, gen, WARMUP_MS);
  const main = await ingestLoop(svc, gen, RUN_MS);
  const ingestRate = printLoop(
    `ingest(), 1 caller, batches of ${BATCH}, ${RUN_MS / 1000} s`,
    main,
    TARGET_RATE,
  );

  // For information: is one caller bound by round trips (more callers go faster) or by CPU?
  const loops = await Promise.all(
    Array.from({ length: CONCURRENCY }, () => ingestLoop(svc, gen, CONCURRENT_MS)),
  );
  const conc = {
    stored: loops.reduce((a, l) => a + l.stored, 0),
    other: loops.reduce((a, l) => a + l.other, 0),
    elapsed: Math.max(...loops.map((l) => l.elapsed)),
    times: sortNum(loops.flatMap((l) => l.times)),
  };
  printLoop(`(info) ingest(), ${CONCURRENCY} concurrent callers, ${CONCURRENT_MS / 1000} s`, conc);

  // Context the COPY rows need, as ingest would have resolved it.
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  cleanup.add('pg pool', () => pool.end());
  const { rows: strategies } = await pool.query(
    `SELECT id, owner_id, name, coalesce(version, 'v1.0') AS version, revision FROM strategies WHERE id = ANY($1) ORDER BY id`,
    [ids],
  );
  const ctx = new Map(strategies.map((s) => [s.id, s]));
  const rowOf = (c) => {
    const s = ctx.get(c.strategyId);
    return [
      randomUUID(),
      c.candleTime.toISOString(),
      s.owner_id,
      c.strategyId,
      s.name,
      s.version,
      c.pair,
      c.exchange,
      c.timeframe,
      c.kind,
      signalTypeOf(c.kind),
      c.strength,
      'strong',
      'P0',
      c.price,
      JSON.stringify(c.indicators),
      c.tag,
      c.freqtradeVersion,
    ];
  };
  const COLS =
    'id, timestamp, owner_id, strategy_id, strategy_name, strategy_version, pair, exchange, timeframe, kind, ' +
    'signal_type, strength_raw, strength_level, priority, price, indicators, tag, freqtrade_version';

  // For information: the statement ingest sends, alone (no classification, hot window, events).
  const rawRows = Math.min(main.stored, 50_000);
  {
    const insert = readFileSync(
      new URL('../dist/src/modules/signals/signals.service.js', import.meta.url),
      'utf8',
    ).match(/const INSERT = `([\s\S]*?)`;/)?.[1];
    if (!insert)
      throw new Error('could not find the INSERT statement in dist/src/modules/signals/signals.service.js');
    const rawGen = generator(ids, from, 15_000);
    const client = await pool.connect();
    let stored = 0;
    const t0 = nowMs();
    try {
      while (stored < rawRows) {
        const rows = rawGen.batch().map(rowOf);
        const columns = Array.from({ length: 18 }, (_, i) => rows.map((r) => r[i]));
        // $19/$20: the strategies and revisions the rows were classified with.
        const r = await client.query(insert, [
          ...columns,
          strategies.map((s) => s.id),
          strategies.map((s) => s.revision),
        ]);
        stored += r.rowCount;
      }
    } finally {
      client.release();
    }
    printLoop(`(info) same INSERT…unnest…RETURNING via pg alone`, {
      stored,
      other: 0,
      elapsed: nowMs() - t0,
    });
  }

  // For information: COPY with ingest's batching (100 rows, one transaction each), into the table
  // as ingest left it: the most any ingest of batches of 100 could reach here.
  {
    const batchGen = generator(ids, from, 45_000);
    const client = await pool.connect();
    let stored = 0;
    const t0 = nowMs();
    try {
      while (stored < rawRows) {
        const text = batchGen
          .batch()
          .map((c) => rowOf(c).map(copyValue).join('\t') + '\n')
          .join('');
        await pipeline(
          Readable.from([text]),
          client.query(copyStreams.from(`COPY signals (${COLS}) FROM STDIN`)),
        );
        stored += BATCH;
      }
    } finally {
      client.release();
    }
    printLoop(`(info) COPY in batches of ${BATCH}, a commit each`, {
      stored,
      other: 0,
      elapsed: nowMs() - t0,
    });
  }

  // Raw COPY: same table, emptied first so it starts where the ingest run started.
  await pool.query('TRUNCATE signals');
  await pool.query('CHECKPOINT');
  const copyGen = generator(ids, from, 30_000);
  const rows = main.stored;
  const client = await pool.connect();
  let copyMs;
  try {
    const t0 = nowMs();
    async function* lines() {
      let chunk = '';
      for (let i = 0; i < rows; i++) {
        chunk += rowOf(copyGen.next()).map(copyValue).join('\t') + '\n';
        if (chunk.length > 256 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    await pipeline(
      Readable.from(lines()),
      client.query(copyStreams.from(`COPY signals (${COLS}) FROM STDIN`)),
    );
    copyMs = nowMs() - t0;
  } finally {
    client.release();
  }
  const { rows: counted } = await pool.query('SELECT count(*)::int AS n FROM signals');
  if (counted[0].n !== rows) throw new Error(`COPY stored ${counted[0].n} rows, expected ${rows}`);
  const copyRate = rows / (copyMs / 1000);
  out(
    `    ${'raw COPY FROM STDIN (pg-copy-streams, 1 stream)'.padEnd(44)} ${int(rows).padStart(9)} stored in ${fmt(copyMs / 1000)} s = ${int(copyRate).padStart(7)} rows/s`,
  );
  const ratio = ingestRate / copyRate;
  out(
    `    ${'ratio ingest / COPY'.padEnd(44)} ${fmt(ratio)}   target ≥ ${TARGET_RATIO}: ${verdict(ratio, TARGET_RATIO, false)}`,
  );
  await close();
  return { ingestRate, copyRate, ratio };
}

async function benchEmbedded(cleanup) {
  const dataDir = tempDir(cleanup, 'btcw-bench-ingest-embedded-');
  out(`\n(b) for information: embedded PGlite, fresh DATA_DIR ${dataDir}, in-process caches`);
  const t0 = nowMs();
  const { app, close } = await startApp(cleanup, { dataDir });
  out(`    first start (create database, migrate) ${int(nowMs() - t0)} ms`);
  const token = await adminToken(app);
  const ids = await createStrategies(
    app,
    dataDir,
    token,
    Array.from({ length: STRATEGIES }, (_, i) => `Bench ${i + 1}`),
    PAIRS,
  );
  const svc = app.get(SignalsService);
  const gen = generator(ids, Math.floor((Date.now() - 23 * 3_600_000) / MINUTE) * MINUTE);
  await ingestLoop(svc, gen, WARMUP_MS);
  const r = await ingestLoop(svc, gen, RUN_MS);
  const rate = printLoop(`ingest(), 1 caller, batches of ${BATCH}, ${RUN_MS / 1000} s`, r);
  await close();
  await sleep(100);
  return rate;
}

header('BTC Watcher signals ingest benchmark');
const cleanup = new Cleanup({ deadlineMs: 175_000 });
await runBench(cleanup, async () => {
  const pgResult = await benchPostgres(cleanup);
  const embeddedRate = await benchEmbedded(cleanup);
  out('\nsummary');
  out(
    `  ingest on PostgreSQL    ${int(pgResult.ingestRate).padStart(7)} signals/s   target ≥ ${int(TARGET_RATE)}/s: ${verdict(pgResult.ingestRate, TARGET_RATE, false)}`,
  );
  out(`  raw COPY                ${int(pgResult.copyRate).padStart(7)} rows/s`);
  out(
    `  ratio ingest / COPY     ${fmt(pgResult.ratio).padStart(7)}             target ≥ ${TARGET_RATIO}: ${verdict(pgResult.ratio, TARGET_RATIO, false)}`,
  );
  out(`  ingest on PGlite        ${int(embeddedRate).padStart(7)} signals/s   (information)`);
});
