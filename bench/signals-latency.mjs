#!/usr/bin/env node
// Signal → socket.io latency: from just before SignalsService.ingest([one signal]) to the moment a
// connected socket.io client (socket.io-client, websocket transport, the user's token) receives the
// matching `signal_update`, at a steady 200 signals/s.
//
//   npx nest build                   # REQUIRED first: this measures dist/, not src/
//   node bench/signals-latency.mjs
//
// The app listens on 127.0.0.1 (random port) on a temporary PostgreSQL database and a Redis key
// prefix of its own (so Redis is in the path, as in production: the realtime bus publishes there).
// The client runs in a worker thread (its own event loop); both sides read the same monotonic
// clock. Signals are sent open-loop every 5 ms (a call is not held back by the previous one), 1 s
// warm-up then 10 s measured, each with a distinct candle time in the last hour (the match key).
// Also printed: how long ingest() itself took to resolve, and any signal the client never received.
//
// Target: p99 ≤ 10 ms. Missing it does not fail the script; errors do (exit 1).
import { setTimeout as sleep } from 'node:timers/promises';
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
  startClients,
  tempDir,
  verdict,
} from './lib/common.mjs';

const RATE = 200;
const WARMUP_MS = 1000;
const RUN_MS = 10_000;
const DRAIN_MS = 3000;
const TARGET_P99 = 10;
const PAIRS = pairs(20);

const { SignalsService } = await dist('modules/signals/signals.service.js');

header('BTC Watcher signal → socket.io latency benchmark');
const cleanup = new Cleanup({ deadlineMs: 170_000 });
await runBench(cleanup, async () => {
  const id = newId();
  const db = await createDatabase(cleanup, id);
  const prefix = redisPrefix(cleanup, id);
  const dataDir = tempDir(cleanup, 'btcw-bench-latency-');
  out(`\nPostgreSQL database ${db.name}, Redis key prefix ${prefix}`);
  const { app, url } = await startApp(cleanup, {
    dataDir,
    databaseUrl: db.url,
    redisKeyPrefix: prefix,
    listen: true,
  });
  const token = await adminToken(app);
  const ids = await createStrategies(app, dataDir, token, ['Latency A', 'Latency B'], PAIRS);
  const svc = app.get(SignalsService);

  const sent = new Map(); // candle time → t0
  const received = new Map(); // candle time → receipt time
  const clients = await startClients(cleanup, {
    url,
    token,
    count: 1,
    batch: 1,
    report: 'each',
    onMessage: (m) => m.type === 'recv' && received.set(m.key, m.at),
  });
  out(`app on ${url}; 1 socket.io client connected in ${fmt(clients.ready.connectMs)} ms`);

  const base = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
  let n = 0;
  const candidate = () => {
    const i = n++;
    return {
      strategyId: ids[i % ids.length],
      pair: PAIRS[i % PAIRS.length],
      exchange: 'binance',
      timeframe: '5m',
      candleTime: new Date(base + i * 1000),
      kind: KINDS[i % KINDS.length],
      strength: 90,
      price: 40_000 + i,
      indicators: { rsi: 31.5, macd: 0.0012 },
      tag: 'bench',
      freqtradeVersion: '2025.8',
    };
  };

  const errors = [];
  const calls = []; // ingest() resolve times of measured signals
  const inflight = new Set();
  /** Open loop at RATE/s for `ms`; returns the candle-time keys it sent. */
  async function drive(ms, measured) {
    const keys = [];
    const interval = 1000 / RATE;
    const start = nowMs();
    for (let i = 0; ; i++) {
      const due = start + i * interval;
      if (due - start >= ms) break;
      const wait = due - nowMs();
      if (wait > 1) await sleep(Math.floor(wait));
      const c = candidate();
      const key = c.candleTime.getTime();
      keys.push(key);
      const t0 = nowMs();
      sent.set(key, t0);
      const p = svc
        .ingest([c])
        .then((r) => {
          if (measured) calls.push(nowMs() - t0);
          if (r.stored !== 1) errors.push(`signal ${key}: ${JSON.stringify(r)}`);
        })
        .catch((err) => errors.push(err))
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    return { keys, elapsed: nowMs() - start };
  }

  await drive(WARMUP_MS, false);
  const run = await drive(RUN_MS, true);
  await Promise.all(inflight);
  const drainEnd = nowMs() + DRAIN_MS;
  while (nowMs() < drainEnd && run.keys.some((k) => !received.has(k))) await sleep(20);
  if (errors.length) throw new Error(`ingest failed: ${errors.slice(0, 3).join('; ')}`);

  const lat = sortNum(run.keys.filter((k) => received.has(k)).map((k) => received.get(k) - sent.get(k)));
  const missing = run.keys.length - lat.length;
  const callTimes = sortNum(calls);
  out(
    `\n${int(run.keys.length)} signals sent in ${fmt(run.elapsed / 1000)} s (${int(run.keys.length / (run.elapsed / 1000))}/s), one per ingest() call`,
  );
  out(
    `  ingest() → signal_update received   p50 ${fmt(pct(lat, 50))} ms   p95 ${fmt(pct(lat, 95))} ms   ` +
      `p99 ${fmt(pct(lat, 99))} ms   max ${fmt(lat.at(-1))} ms   target p99 ≤ ${TARGET_P99} ms: ${verdict(pct(lat, 99), TARGET_P99)}`,
  );
  out(
    `  (info) ingest() call resolved after  p50 ${fmt(pct(callTimes, 50))} ms   p95 ${fmt(pct(callTimes, 95))} ms   ` +
      `p99 ${fmt(pct(callTimes, 99))} ms   max ${fmt(callTimes.at(-1))} ms`,
  );
  out(
    `  never received within ${DRAIN_MS / 1000} s after the last send: ${missing}${missing ? '  ← LOST' : ''}`,
  );
  if (missing) throw new Error(`${missing} signal(s) never reached the client`);
  await clients.close();
});
