#!/usr/bin/env node
// RSS of BTC Watcher with 5 bots running versus idle, freqtrade processes reported separately, with
// the CPU each bot costs per minute of wall time (at the app's process_throttle_secs).
//
//   npx nest build                   # REQUIRED first: this measures dist/, not src/
//   node --expose-gc bench/bots-rss.mjs [--bots 5] [--mode embedded|postgres] [--throttle 1]
//                                       [--window-seconds 60]
//
// The app runs in this process (embedded PGlite by default, the user's default; postgres = a
// throw-away PostgreSQL database and Redis prefix, whose servers are not counted); the Binance
// emulator runs in a child process, not counted either. Each bot runs test/fixtures/strategies/
// LevelCross.py on 2 pairs (1m) of a series whose every closed candle carries a signal, so the
// journal and the pushes work every minute (the busy case for our side).
//   idle      app started, strategies created, nothing running; 20 s to settle, then (with
//             --expose-gc) a full GC, then RSS
//   5 bots    started through the API; once every bot's first analyzed_df frame has reached the
//             capture, 10 s to settle, then a window of --window-seconds (at least one candle close
//             per bot): CPU time of the app and of each bot's process group over it; at its end a
//             full GC and RSS of the app and of each bot's process group (/proc/<pid>/status VmRSS,
//             every process of the group)
//
// Target: app RSS with the bots ≤ idle + 60 MB. Missing it does not fail the script; errors do.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Cleanup,
  adminToken,
  createDatabase,
  dist,
  fmt,
  header,
  newId,
  nowMs,
  out,
  redisPrefix,
  runBench,
  startApp,
  tempDir,
  verdict,
} from './lib/common.mjs';
import {
  botEnv,
  createBotStrategy,
  frameRows,
  freqtradeBin,
  groupUsage,
  instrumentCapture,
  rssMb,
  startEmulator,
  startStrategy,
} from './lib/freqtrade.mjs';

const { values } = parseArgs({
  options: {
    bots: { type: 'string', default: '5' },
    mode: { type: 'string', default: 'embedded' },
    throttle: { type: 'string' },
    'window-seconds': { type: 'string', default: '60' },
  },
});
const BOTS = Number(values.bots);
const WINDOW_MS = Number(values['window-seconds']) * 1000;
if (!Number.isInteger(BOTS) || BOTS < 1 || BOTS > 10) throw new Error('--bots must be 1..10');
if (!(WINDOW_MS >= 10_000 && WINDOW_MS <= 600_000)) throw new Error('--window-seconds must be 10..600');
if (!['postgres', 'embedded'].includes(values.mode)) throw new Error('--mode must be postgres or embedded');
if (values.throttle !== undefined && !(Number(values.throttle) > 0))
  throw new Error('--throttle must be > 0');
const IDLE_SETTLE_MS = 20_000;
const BUSY_SETTLE_MS = 10_000;
const FIRST_FRAME_TIMEOUT_MS = 180_000;
const TARGET_EXTRA_MB = 60;
const SYMBOLS = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'ADA', 'DOGE', 'AVAX', 'DOT', 'LINK', 'LTC', 'ATOM'];

const [{ BotCapture }, { FreqtradeRuntime }] = await Promise.all([
  dist('modules/freqtrade/capture/bot-capture.js'),
  dist('modules/freqtrade/freqtrade-runtime.service.js'),
]);
const analyzed = new Set(); // strategy ids whose first analyzed frame with rows arrived
instrumentCapture(BotCapture, (f) => {
  if (f.analyzed && !analyzed.has(f.strategyId) && frameRows(f.raw).length > 0) analyzed.add(f.strategyId);
});

/** The app's RSS in MB after a full GC when node runs with --expose-gc (median of 3 reads). */
async function appRss() {
  const reads = [];
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await sleep(300);
    reads.push(rssMb(process.pid));
  }
  return reads.sort((a, b) => a - b)[1];
}
const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;

header('BTC Watcher RSS with running bots benchmark (real freqtrade)');
const cleanup = new Cleanup({
  deadlineMs: 120_000 + BOTS * 60_000 + FIRST_FRAME_TIMEOUT_MS + WINDOW_MS + 60_000,
});
await runBench(cleanup, async () => {
  const bin = freqtradeBin();
  const symbols = SYMBOLS.slice(0, 2 * BOTS).map((s) => `${s}USDT`);
  const emu = await startEmulator(cleanup, { preset: 'level-cross', symbols });
  const id = newId();
  const dataDir = tempDir(cleanup, 'btcw-bench-rss-');
  let db = null;
  let prefix = null;
  if (values.mode === 'postgres') {
    db = await createDatabase(cleanup, id);
    prefix = redisPrefix(cleanup, id);
  }
  const env = botEnv(
    bin,
    emu.url,
    values.throttle ? { FREQTRADE_PROCESS_THROTTLE_SECONDS: values.throttle } : {},
  );
  const { app, config } = await startApp(cleanup, {
    dataDir,
    databaseUrl: db?.url ?? null,
    redisKeyPrefix: prefix,
    env,
  });
  const token = await adminToken(app);
  const ids = [];
  for (let i = 0; i < BOTS; i++) {
    const pairs = symbols.slice(2 * i, 2 * i + 2).map((s) => `${s.replace(/USDT$/, '')}/USDT`);
    ids.push(await createBotStrategy(app, token, dataDir, { name: `rss-${i + 1}`, pairs }));
  }
  out(
    `\nfreqtrade ${bin}\n${values.mode === 'postgres' ? `PostgreSQL ${db.name} + Redis ${prefix} (servers not counted)` : 'embedded PGlite (in this process)'}; ` +
      `process_throttle_secs ${config.freqtrade.processThrottleSeconds}; ${BOTS} bots × 2 pairs, 1m; ` +
      `GC ${globalThis.gc ? 'forced before each RSS read' : 'not exposed (run node --expose-gc for steadier figures)'}`,
  );

  await sleep(IDLE_SETTLE_MS);
  const idle = await appRss();
  const idleHeap = heapMb();
  out(`idle: app RSS ${fmt(idle, 1)} MB (heap used ${fmt(idleHeap, 1)} MB)`);

  const t0 = nowMs();
  for (const sid of ids) await startStrategy(app, token, sid);
  out(`${BOTS} strategies running after ${fmt((nowMs() - t0) / 1000, 1)} s`);
  const deadline = nowMs() + FIRST_FRAME_TIMEOUT_MS;
  while (analyzed.size < BOTS && nowMs() < deadline) await sleep(250);
  if (analyzed.size < BOTS)
    throw new Error(`only ${analyzed.size} of ${BOTS} bots emitted an analyzed frame`);
  out(`every bot's first analyzed frame captured ${fmt((nowMs() - t0) / 1000, 1)} s after the first start`);
  await sleep(BUSY_SETTLE_MS);

  const runtime = app.get(FreqtradeRuntime);
  const pidOf = (sid) => runtime.bots.get(sid)?.supervisor.bot?.process.pid;
  const pids = ids.map(pidOf);
  if (pids.some((p) => !p)) throw new Error('a bot has no process');
  const before = pids.map((p) => groupUsage(p));
  const appCpu0 = process.cpuUsage();
  const w0 = nowMs();
  await sleep(WINDOW_MS);
  const wallMin = (nowMs() - w0) / 60_000;
  const appCpu = process.cpuUsage(appCpu0);
  const after = pids.map((p) => groupUsage(p));
  if (ids.some((sid, i) => pidOf(sid) !== pids[i])) throw new Error('a bot restarted during the window');
  const busy = await appRss();
  const busyHeap = heapMb();

  out(`\nover ${fmt(wallMin * 60, 0)} s of wall time, then RSS:`);
  out('bot  pid      processes   RSS MB   CPU s per minute (% of one core)');
  let ftRss = 0;
  let ftCpu = 0;
  ids.forEach((sid, i) => {
    const cpuPerMin = (after[i].cpuMs - before[i].cpuMs) / 1000 / wallMin;
    ftRss += after[i].rss;
    ftCpu += cpuPerMin;
    out(
      `${String(i + 1).padEnd(4)} ${String(pids[i]).padEnd(8)} ${String(after[i].pids.length).padStart(9)}   ` +
        `${fmt(after[i].rss, 1).padStart(6)}   ${fmt(cpuPerMin, 2).padStart(5)} (${fmt((100 * cpuPerMin) / 60, 1)} %)`,
    );
  });
  const appCpuPerMin = (appCpu.user + appCpu.system) / 1e6 / wallMin;
  out(
    `freqtrade total: RSS ${fmt(ftRss, 1)} MB (${fmt(ftRss / BOTS, 1)} MB per bot), CPU ${fmt(ftCpu, 2)} s per minute ` +
      `(${fmt(ftCpu / BOTS, 2)} s per bot per minute = ${fmt((100 * ftCpu) / BOTS / 60, 1)} % of one core)`,
  );
  out(
    `app: RSS ${fmt(busy, 1)} MB (heap used ${fmt(busyHeap, 1)} MB), CPU ${fmt(appCpuPerMin, 2)} s per minute ` +
      `(${fmt((100 * appCpuPerMin) / 60, 1)} % of one core)`,
  );
  out(
    `app RSS with ${BOTS} bots − idle: ${fmt(busy - idle, 1)} MB   target ≤ ${TARGET_EXTRA_MB} MB: ` +
      `${verdict(busy - idle, TARGET_EXTRA_MB)}`,
  );
});
