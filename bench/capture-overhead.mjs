#!/usr/bin/env node
// Capture overhead: the product's BotCapture (dist/src/modules/freqtrade/capture/bot-capture.js)
// connected to a producer on loopback that speaks freqtrade's message websocket and replays a real
// analyzed_df frame at 1,000 frames/s, with ingest = the app's real SignalsService on PostgreSQL +
// Redis. Measured per frame: from the moment the capture's ws 'message' event fires to the frame's
// ingest() resolving (the promise handleFrame returns for that frame).
//
//   npx nest build                   # REQUIRED first: this measures dist/, not src/
//   node bench/capture-overhead.mjs [--rate 1000] [--seconds 10] [--signal-every 1]
//                                   [--fixture LevelCross|EmaCrossStrength]
//
// The producer (bench/lib/ft-ws-producer.mjs) is a child process, so only the capture and the app
// count in this process's CPU time. It sends bench/fixtures/analyzed-df-<fixture>.frame.txt — a frame
// captured off a real freqtrade 2025.8 bot (see bench/fixtures/README.md) — byte for byte, with
// only the candle's date changed so each frame is a new candle (one minute apart). By default
// every frame carries exactly one signal (the captured row's enter_long or exit_long = 1): the
// worst case, every frame costs a journal insert and a push. --signal-every n keeps the signal in
// every n-th frame only (the others as freqtrade sends a row without one: signal columns null,
// tags ""); 0 = no frame has one, which measures the capture's own decoding alone.
// 1 s warm-up, then --seconds measured.
// Also printed: frames/s sustained (frames over first send → last ingest resolved), how long the
// ingest() call itself took (the rest is waiting behind earlier frames: the capture ingests a bot's
// frames strictly in order), and the process's CPU time per frame.
//
// Target: p99 ≤ 2 ms. Missing it does not fail the script; errors do (exit 1).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Cleanup,
  ROOT,
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
  pct,
  redisPrefix,
  runBench,
  sortNum,
  startApp,
  tempDir,
  verdict,
} from './lib/common.mjs';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    fixture: { type: 'string', default: 'LevelCross' },
    'signal-every': { type: 'string', default: '1' },
  },
});
const RATE = Number(values.rate);
const RUN_S = Number(values.seconds);
if (!(RATE > 0 && RATE <= 20_000)) throw new Error('--rate must be 1..20000');
if (!(RUN_S > 0 && RUN_S <= 120)) throw new Error('--seconds must be 1..120');
const SIGNAL_EVERY = Number(values['signal-every']);
if (!Number.isInteger(SIGNAL_EVERY) || SIGNAL_EVERY < 0) throw new Error('--signal-every must be 0, 1, 2, …');
const WARMUP_S = 1;
const DRAIN_MS = 180_000; // at one ingest per frame in order, a slow journal drains for minutes
const TARGET_P99 = 2;
const TEMPLATE = readFileSync(
  path.join(ROOT, 'bench', 'fixtures', `analyzed-df-${values.fixture}.frame.txt`),
  'utf8',
);

const [{ SignalsService }, { BotCapture }] = await Promise.all([
  dist('modules/signals/signals.service.js'),
  dist('modules/freqtrade/capture/bot-capture.js'),
]);

header('BTC Watcher freqtrade capture overhead benchmark');
const cleanup = new Cleanup({ deadlineMs: 60_000 + (WARMUP_S + RUN_S) * 1000 + 2 * DRAIN_MS });
await runBench(cleanup, async () => {
  const id = newId();
  const db = await createDatabase(cleanup, id);
  const prefix = redisPrefix(cleanup, id);
  const dataDir = tempDir(cleanup, 'btcw-bench-capture-');
  const { app } = await startApp(cleanup, { dataDir, databaseUrl: db.url, redisKeyPrefix: prefix });
  const token = await adminToken(app);
  const [strategyId] = await createStrategies(app, dataDir, token, ['Capture'], ['BTC/USDT']);
  const svc = app.get(SignalsService);
  out(`\nPostgreSQL database ${db.name}, Redis key prefix ${prefix}`);
  out(`template: bench/fixtures/analyzed-df-${values.fixture}.frame.txt (${TEMPLATE.length} bytes)`);

  // The producer.
  const wsToken = newId() + newId();
  const producer = fork(new URL('./lib/ft-ws-producer.mjs', import.meta.url), [
    JSON.stringify({ token: wsToken, template: TEMPLATE }),
  ]);
  const producerExit = new Promise((resolve) => producer.once('exit', resolve));
  cleanup.add('producer', async () => {
    if (producer.exitCode !== null || producer.signalCode !== null) return '';
    producer.kill('SIGTERM');
    await producerExit;
    return 'stopped the producer';
  });
  const requests = [];
  const waiters = new Map();
  producer.on('message', (m) => {
    if (m.type === 'request') requests.push(m.request);
    waiters.get(m.type)?.(m);
  });
  const next = (type) => new Promise((resolve) => waiters.set(type, resolve));
  const { port } = await next('ready');

  // The product's capture, instrumented: t0 when its socket's 'message' event fires (a listener
  // put in front of the capture's own), t1 when handleFrame's promise for that frame resolves.
  const calls = []; // ingest() call durations
  const notices = [];
  let stored = 0;
  const capture = new BotCapture({
    strategyId,
    exchange: 'binance',
    strengthColumn: 'signal_strength',
    indicatorColumns: [],
    freqtradeVersion: '2025.8',
    port,
    wsToken,
    ingest: async (candidates) => {
      const t = nowMs();
      const r = await svc.ingest(candidates);
      calls.push(nowMs() - t);
      stored += r.stored;
      return r;
    },
    onNotice: (level, text, kind) => notices.push(`${level} ${kind}: ${text}`),
  });
  cleanup.add('capture', async () => {
    await capture.close();
    return 'closed the capture';
  });
  capture.start();
  let messageAt = 0;
  capture.ws.prependListener('message', () => (messageAt = nowMs()));
  let latencies = [];
  let lastResolved = 0;
  const pending = new Set();
  const handleFrame = capture.handleFrame.bind(capture);
  capture.handleFrame = (raw) => {
    const t0 = messageAt;
    const p = handleFrame(raw);
    const done = p.then(() => {
      lastResolved = nowMs();
      latencies.push(lastResolved - t0);
      pending.delete(done);
    });
    pending.add(done);
    return p;
  };
  await capture.whenConnected();
  await sleep(200); // the capture's subscribe and backfill requests reach the producer
  out(`capture connected; the producer received: ${requests.map((r) => r.type).join(', ')}`);

  const base = Math.floor((Date.now() - 30 * 86_400_000) / 60_000) * 60_000;
  let sentTotal = 0;
  async function phase(seconds) {
    const count = Math.round(RATE * seconds);
    latencies = [];
    calls.length = 0;
    const done = next('done');
    const cpu0 = process.cpuUsage();
    const t0 = nowMs();
    producer.send({
      type: 'go',
      rate: RATE,
      count,
      base: base + sentTotal * 60_000,
      signalEvery: SIGNAL_EVERY,
    });
    sentTotal += count;
    const sent = await done;
    const drainEnd = nowMs() + DRAIN_MS;
    while (latencies.length < count && nowMs() < drainEnd) await sleep(5);
    await Promise.all(pending);
    const cpu = process.cpuUsage(cpu0);
    return {
      count,
      sent,
      latencies: sortNum(latencies),
      calls: sortNum(calls),
      wallMs: lastResolved - t0,
      cpu,
    };
  }

  await phase(WARMUP_S);
  const storedBefore = stored;
  const run = await phase(RUN_S);
  if (capture.stats.connects !== 1)
    throw new Error(`the capture reconnected (${capture.stats.connects} connects)`);
  if (notices.length) throw new Error(`capture notices: ${notices.slice(0, 3).join(' | ')}`);
  if (run.latencies.length !== run.count)
    throw new Error(`${run.count - run.latencies.length} frame(s) not ingested within ${DRAIN_MS / 1000} s`);
  const runStored = stored - storedBefore;
  const expected = SIGNAL_EVERY ? Math.ceil(run.count / SIGNAL_EVERY) : 0;
  if (runStored !== expected) throw new Error(`stored ${runStored} signals, expected ${expected}`);

  const lat = run.latencies;
  const cpuMs = (run.cpu.user + run.cpu.system) / 1000;
  out(
    `\n${int(run.count)} frames sent at ${int(RATE)}/s in ${fmt(run.sent.elapsedMs / 1000)} s ` +
      `(producer's worst lag behind schedule ${fmt(run.sent.lateMs)} ms); ` +
      `${SIGNAL_EVERY === 1 ? 'every frame' : SIGNAL_EVERY ? `1 frame in ${SIGNAL_EVERY}` : 'no frame'} with one signal, ${int(runStored)} stored`,
  );
  out(
    `  ws 'message' → ingest() resolved   p50 ${fmt(pct(lat, 50))} ms   p95 ${fmt(pct(lat, 95))} ms   ` +
      `p99 ${fmt(pct(lat, 99))} ms   max ${fmt(lat.at(-1))} ms   target p99 ≤ ${TARGET_P99} ms: ${verdict(pct(lat, 99), TARGET_P99)}`,
  );
  if (run.calls.length)
    out(
      `  (info) ingest() call alone          p50 ${fmt(pct(run.calls, 50))} ms   p95 ${fmt(pct(run.calls, 95))} ms   ` +
        `p99 ${fmt(pct(run.calls, 99))} ms   max ${fmt(run.calls.at(-1))} ms`,
    );
  out(
    `  sustained ${int(run.count / (run.wallMs / 1000))} frames/s (first send → last ingest resolved ${fmt(run.wallMs / 1000)} s)`,
  );
  out(
    `  CPU time of this process (capture + app, not the producer): ${int(cpuMs)} ms over ${fmt(run.wallMs / 1000)} s ` +
      `= ${fmt((100 * cpuMs) / run.wallMs, 0)} % of one core, ${fmt((1000 * cpuMs) / run.count, 0)} µs per frame`,
  );
});
