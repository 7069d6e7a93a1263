#!/usr/bin/env node
// Bot start → first analyzed_df received: POST /strategies/:id/start on a real freqtrade 2025.8
// (FREQTRADE_BIN, else scripts/ensure-freqtrade.mjs's cached install) against the Binance emulator,
// timed to the answer (`running`) and to the first analyzed_df frame with rows that the product's
// BotCapture receives (BotCapture.handleFrame, instrumented by bench/lib/freqtrade.mjs; an empty
// frame — the answer to the capture's history request before the bot has analysed anything — does
// not count).
//
//   npx nest build                   # REQUIRED first: this measures dist/, not src/
//   node bench/bot-start.mjs [--starts 5] [--mode embedded|postgres]
//
// --starts new strategies (LevelCross on BTC/USDT, 1m) are started and stopped one after another
// (cold: each has no workdir yet, so `freqtrade create-userdir` runs), then each of them once more
// (warm: the workdir exists). The app runs in embedded mode by default, the user's default. Each
// start is broken down from the child processes the app spawns (node:child_process spawn, traced):
//   prepare     POST → `freqtrade trade` spawned, of which: create-userdir, list-strategies (the
//               class-loads check), `freqtrade --version` (FREQTRADE_BIN's probe) and the ccxt URL
//               probe (both once per app process: cached), and the rest (database, files, port)
//   api         `trade` spawned → its API answered the ping as our bot (the capture starts then)
//   first frame ping answered → first analyzed_df with rows at the capture (the bot's first loop:
//               markets, 1000 klines, analysis)
// Medians over the starts of each kind and every run are printed. No target in the issue.
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
} from './lib/common.mjs';
import {
  botEnv,
  createBotStrategy,
  frameRows,
  freqtradeBin,
  instrumentCapture,
  median,
  startEmulator,
  startStrategy,
  stopStrategy,
  traceChildren,
} from './lib/freqtrade.mjs';

const { values } = parseArgs({
  options: {
    starts: { type: 'string', default: '5' },
    mode: { type: 'string', default: 'embedded' },
  },
});
const STARTS = Number(values.starts);
if (!Number.isInteger(STARTS) || STARTS < 1 || STARTS > 20) throw new Error('--starts must be 1..20');
if (!['postgres', 'embedded'].includes(values.mode)) throw new Error('--mode must be postgres or embedded');
const FIRST_FRAME_TIMEOUT_MS = 120_000;

const spawned = traceChildren();
const { BotCapture } = await dist('modules/freqtrade/capture/bot-capture.js');
const frames = [];
instrumentCapture(BotCapture, (f) => frames.push(f));
const captureStarts = []; // { strategyId, at }
const originalStart = BotCapture.prototype.start;
BotCapture.prototype.start = function timedStart() {
  captureStarts.push({ strategyId: this.o.strategyId, at: nowMs() });
  return originalStart.call(this);
};

header('BTC Watcher bot start → first analyzed_df benchmark (real freqtrade)');
const cleanup = new Cleanup({ deadlineMs: 2 * STARTS * (FIRST_FRAME_TIMEOUT_MS + 60_000) + 60_000 });
await runBench(cleanup, async () => {
  const bin = freqtradeBin();
  const emu = await startEmulator(cleanup, { preset: 'level-cross', symbols: ['BTCUSDT'] });
  const id = newId();
  const dataDir = tempDir(cleanup, 'btcw-bench-botstart-');
  let db = null;
  let prefix = null;
  if (values.mode === 'postgres') {
    db = await createDatabase(cleanup, id);
    prefix = redisPrefix(cleanup, id);
  }
  const { app, config } = await startApp(cleanup, {
    dataDir,
    databaseUrl: db?.url ?? null,
    redisKeyPrefix: prefix,
    env: botEnv(bin, emu.url),
  });
  const token = await adminToken(app);
  out(
    `\nfreqtrade ${bin}\n${values.mode === 'postgres' ? `PostgreSQL ${db.name} + Redis ${prefix}` : 'embedded PGlite'}; ` +
      `process_throttle_secs ${config.freqtrade.processThrottleSeconds}; emulator ${emu.url}\n`,
  );
  const ids = [];
  for (let i = 0; i < STARTS; i++)
    ids.push(await createBotStrategy(app, token, dataDir, { name: `start-${i + 1}`, pairs: ['BTC/USDT'] }));

  // Analyzed frames with rows, decoded once each.
  const full = [];
  let scanned = 0;
  const withRows = () => {
    for (; scanned < frames.length; scanned++) {
      const f = frames[scanned];
      if (f.analyzed && frameRows(f.raw).length > 0) full.push(f);
    }
    return full;
  };
  const span = (from, to, match) => {
    const c = spawned.find((s) => s.start >= from && s.start <= to && match(s));
    return c ? { start: c.start, ms: (c.end ?? to) - c.start } : null;
  };
  async function measure(strategyId, kind, n) {
    const t0 = nowMs();
    await startStrategy(app, token, strategyId);
    const running = nowMs();
    const end = running + FIRST_FRAME_TIMEOUT_MS;
    let first = null;
    while (!first && nowMs() < end) {
      first = withRows().find((f) => f.strategyId === strategyId && f.at >= t0);
      if (!first) await sleep(20);
    }
    if (!first)
      throw new Error(`strategy ${strategyId}: no analyzed frame within ${FIRST_FRAME_TIMEOUT_MS / 1000} s`);
    const userdir = span(t0, running, (s) => s.arg === 'create-userdir');
    const list = span(t0, running, (s) => s.arg === 'list-strategies');
    const urls = span(t0, running, (s) => s.arg === '-c');
    const probe = span(t0, running, (s) => s.arg === '--version');
    const trade = span(t0, running, (s) => s.arg === 'trade');
    const cap = captureStarts.find((c) => c.strategyId === strategyId && c.at >= t0);
    if (!trade || !cap || !list) throw new Error(`strategy ${strategyId}: start not traced`);
    const t1 = nowMs();
    await stopStrategy(app, token, strategyId);
    const r = {
      n,
      kind,
      running: running - t0,
      firstFrame: first.at - t0,
      prepare: trade.start - t0,
      userdir: userdir?.ms ?? 0,
      list: list.ms,
      urls: urls?.ms ?? 0,
      probe: probe?.ms ?? 0,
      api: cap.at - trade.start,
      frame: first.at - cap.at,
      stop: nowMs() - t1,
    };
    r.other = r.prepare - r.userdir - r.list - r.urls - r.probe;
    out(
      `${`${kind} ${n}`.padEnd(7)} ${fmt(r.running / 1000).padStart(7)} ${fmt(r.firstFrame / 1000).padStart(8)}   ` +
        `${fmt(r.prepare / 1000).padStart(7)} ${fmt(r.userdir / 1000).padStart(7)} ${fmt(r.list / 1000).padStart(6)} ` +
        `${fmt(r.probe / 1000).padStart(5)} ${fmt(r.urls / 1000).padStart(5)} ${fmt(r.other / 1000).padStart(5)}   ` +
        `${fmt(r.api / 1000).padStart(5)}   ` +
        `${fmt(r.frame / 1000).padStart(7)}   ${fmt(r.stop / 1000).padStart(5)}`,
    );
    await sleep(1000);
    return r;
  }

  out('seconds                                 prepare (POST → spawn of trade)');
  out('run     running  1st frame   total userdir   list probe  urls  rest     api   ping→frame  stop');
  const runs = [];
  for (const [kind, list] of [
    ['cold', ids],
    ['warm', ids],
  ])
    for (let i = 0; i < list.length; i++) runs.push(await measure(list[i], kind, i + 1));

  out('');
  for (const kind of ['cold', 'warm']) {
    const rs = runs.filter((r) => r.kind === kind);
    const m = (k) => fmt(median(rs.map((r) => r[k])) / 1000);
    out(
      `median of ${rs.length} ${kind} starts: POST start → running ${m('running')} s, → first analyzed_df ${m('firstFrame')} s ` +
        `(prepare ${m('prepare')} s: create-userdir ${m('userdir')}, list-strategies ${m('list')}, ` +
        `freqtrade --version ${m('probe')}, ccxt URLs ${m('urls')}, ` +
        `rest ${m('other')}; spawn → API ping ${m('api')} s; ping → first frame ${m('frame')} s); stop ${m('stop')} s`,
    );
  }
});
