#!/usr/bin/env node
// Realtime fan-out: 1,000 socket.io connections of one user; one signal ingested; how long until
// the last of the 1,000 has its `signal_update`.
//
//   npx nest build                   # REQUIRED first: this measures dist/, not src/
//   node bench/realtime-fanout.mjs   # BENCH_CLIENTS=… to change the 1,000
//
// The app listens on 127.0.0.1 (random port) on a temporary PostgreSQL database and a Redis key
// prefix of its own (Redis in the path: the realtime bus publishes every batch there, as in
// production). The clients (socket.io-client, websocket transport only, reconnection off, forceNew:
// one connection each) connect 50 at a time from a worker thread (their own event loop; on this
// 2-core machine the server, PostgreSQL, Redis and all clients share the cores). Then 2 warm-up
// rounds and 20 timed rounds, 200 ms apart: t0 just before SignalsService.ingest([one signal]); the
// worker notes when the first and the last client received it (same monotonic clock). Everything is
// closed at the end.
//
// Target: p99 ≤ 100 ms to the last client. Missing it does not fail the script; errors do (exit 1).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Cleanup,
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
  startClients,
  tempDir,
  verdict,
} from './lib/common.mjs';

const CLIENTS = Number(process.env.BENCH_CLIENTS || 1000);
const BATCH = 50;
const WARMUP_ROUNDS = 2;
const ROUNDS = 20;
const PAUSE_MS = 200;
const ROUND_TIMEOUT_MS = 10_000;
const TARGET_P99 = 100;

const { SignalsService } = await dist('modules/signals/signals.service.js');

header('BTC Watcher realtime fan-out benchmark');
const cleanup = new Cleanup({ deadlineMs: 170_000 });
await runBench(cleanup, async () => {
  const id = newId();
  const db = await createDatabase(cleanup, id);
  const prefix = redisPrefix(cleanup, id);
  const dataDir = tempDir(cleanup, 'btcw-bench-fanout-');
  out(`\nPostgreSQL database ${db.name}, Redis key prefix ${prefix}`);
  const { app, url, close } = await startApp(cleanup, {
    dataDir,
    databaseUrl: db.url,
    redisKeyPrefix: prefix,
    listen: true,
  });
  const token = await adminToken(app);
  const [strategyId] = await createStrategies(app, dataDir, token, ['Fanout'], pairs(2));
  const svc = app.get(SignalsService);

  const waiters = new Map(); // candle time → resolve
  const clients = await startClients(cleanup, {
    url,
    token,
    count: CLIENTS,
    batch: BATCH,
    report: 'all',
    onMessage: (m) => m.type === 'all' && waiters.get(m.key)?.(m),
  });
  out(
    `app on ${url}; ${int(clients.ready.connected)} socket.io clients connected (${BATCH} at a time) in ` +
      `${int(clients.ready.connectMs)} ms`,
  );
  if (clients.ready.connected !== CLIENTS)
    throw new Error(`only ${clients.ready.connected} of ${CLIENTS} connected`);
  const { SocketIoGateway } = await dist('modules/realtime/socket-io.gateway.js');
  out(`server side: ${int(app.get(SocketIoGateway).server.of('/').sockets.size)} connected socket(s)`);

  const base = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
  const rounds = [];
  for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
    const candleTime = new Date(base + i * 60_000);
    const key = candleTime.getTime();
    const all = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `round ${i + 1}: not all ${CLIENTS} clients received the signal within ${ROUND_TIMEOUT_MS} ms`,
            ),
          ),
        ROUND_TIMEOUT_MS,
      );
      waiters.set(key, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    const t0 = nowMs();
    const r = await svc.ingest([
      {
        strategyId,
        pair: 'BTC/USDT',
        exchange: 'binance',
        timeframe: '5m',
        candleTime,
        kind: 'enter_long',
        strength: 90,
        price: 40_000 + i,
        indicators: { rsi: 28.5 },
      },
    ]);
    const ingested = nowMs() - t0;
    if (r.stored !== 1) throw new Error(`round ${i + 1}: ${JSON.stringify(r)}`);
    const m = await all;
    waiters.delete(key);
    if (i >= WARMUP_ROUNDS) rounds.push({ last: m.at - t0, first: m.first - t0, ingested });
    await sleep(PAUSE_MS);
  }

  const last = sortNum(rounds.map((r) => r.last));
  const first = sortNum(rounds.map((r) => r.first));
  const ing = sortNum(rounds.map((r) => r.ingested));
  out(`\n${ROUNDS} rounds (after ${WARMUP_ROUNDS} warm-up), one signal each, ${int(CLIENTS)} clients`);
  out(
    `  ingest() → last client received    p50 ${fmt(pct(last, 50)).padStart(7)} ms   p99 ${fmt(pct(last, 99)).padStart(7)} ms   ` +
      `max ${fmt(last.at(-1)).padStart(7)} ms   target p99 ≤ ${TARGET_P99} ms: ${verdict(pct(last, 99), TARGET_P99)}`,
  );
  out(
    `  (info) ingest() → first client     p50 ${fmt(pct(first, 50)).padStart(7)} ms   p99 ${fmt(pct(first, 99)).padStart(7)} ms`,
  );
  out(
    `  (info) ingest() call resolved      p50 ${fmt(pct(ing, 50)).padStart(7)} ms   p99 ${fmt(pct(ing, 99)).padStart(7)} ms`,
  );
  out(`  (with ${ROUNDS} rounds, p99 is the slowest round)`);
  out(`  per-round ms to the last client: ${rounds.map((r) => fmt(r.last, 1)).join(', ')}`);

  // For information: a batch, as the capture hands them over, with everyone connected.
  const batchKeys = Array.from({ length: 100 }, (_, j) => base + (WARMUP_ROUNDS + ROUNDS + j) * 60_000);
  const got = batchKeys.map(
    (key) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('batch of 100: not delivered to all clients within 60 s')),
          60_000,
        );
        waiters.set(key, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
      }),
  );
  const tb = nowMs();
  const rb = await svc.ingest(
    batchKeys.map((key, j) => ({
      strategyId,
      pair: 'BTC/USDT',
      exchange: 'binance',
      timeframe: '5m',
      candleTime: new Date(key),
      kind: 'enter_long',
      strength: 90,
      price: 40_000 + j,
      indicators: { rsi: 28.5 },
    })),
  );
  const batchIngested = nowMs() - tb;
  if (rb.stored !== 100) throw new Error(`batch: ${JSON.stringify(rb)}`);
  const lastOfBatch = Math.max(...(await Promise.all(got)).map((m) => m.at)) - tb;
  out(
    `  (info) one ingest() of 100 signals with ${int(CLIENTS)} clients: call resolved after ${fmt(batchIngested)} ms; ` +
      `all clients had all 100 after ${fmt(lastOfBatch)} ms`,
  );
  out(`\n${await clients.close()}`);
  await close();
});
