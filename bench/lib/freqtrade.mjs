// Plumbing of the benchmarks that run real freqtrade bots (bench/bot-start.mjs, candle-latency.mjs,
// bots-rss.mjs) or speak its message websocket (capture-overhead.mjs): the freqtrade executable, the
// Binance emulator in a child process, strategies on the fixture files, instrumentation of the
// product's BotCapture and of the child processes the app spawns, and /proc readings.
import childProcess, { execFileSync, fork } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { ROOT, nowMs } from './common.mjs';

export const MINUTE = 60_000;
export const FIXTURE_STRATEGIES = path.join(ROOT, 'test', 'fixtures', 'strategies');
export const EXAMPLE_STRATEGIES = path.join(ROOT, 'examples', 'strategies');

/** FREQTRADE_BIN, else the test cache's freqtrade (scripts/ensure-freqtrade.mjs installs it once). */
export function freqtradeBin() {
  if (process.env.FREQTRADE_BIN) return process.env.FREQTRADE_BIN;
  try {
    const printed = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-freqtrade.mjs')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return printed.trim().split('\n').at(-1);
  } catch (err) {
    throw new Error(
      `no freqtrade: set FREQTRADE_BIN or let scripts/ensure-freqtrade.mjs install it (${err})`,
    );
  }
}

/** The app's environment for running bots against the emulator at `emuUrl`. */
export const botEnv = (bin, emuUrl, extra = {}) => ({
  FREQTRADE_BIN: bin,
  EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emuUrl }),
  FREQTRADE_STOP_GRACE_SECONDS: '10',
  ...extra,
});

/**
 * The Binance emulator (bench/lib/emulator-child.mjs) in a child process; killed at cleanup.
 * `requests()` resolves to every request it answered so far ({ path, query, time }).
 */
export async function startEmulator(cleanup, { preset, symbols, seed = 0 }) {
  const child = fork(
    new URL('./emulator-child.mjs', import.meta.url),
    [JSON.stringify({ preset, symbols, seed })],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanup.add('emulator', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return '';
    child.kill('SIGTERM');
    await exited;
    return 'stopped the Binance emulator';
  });
  const url = await new Promise((resolve, reject) => {
    child.once('message', (m) => (m?.type === 'ready' ? resolve(m.url) : reject(new Error('bad emulator'))));
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before it was ready`)));
  });
  const requests = () =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m?.type !== 'requests') return;
        child.off('message', on);
        resolve(m.requests);
      };
      child.on('message', on);
      child.send({ type: 'requests' });
    });
  return { url, pid: child.pid, requests };
}

/** `app.inject` with the token; returns { status, body }. */
export async function api(app, token, method, url, payload) {
  const res = await app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

/** A strategy on a fixture file (copied into DATA_DIR/strategies); returns its id. */
export async function createBotStrategy(
  app,
  token,
  dataDir,
  {
    name,
    file = 'LevelCross.py',
    className = 'LevelCross',
    timeframe = '1m',
    pairs,
    dir = FIXTURE_STRATEGIES,
  },
) {
  mkdirSync(path.join(dataDir, 'strategies'), { recursive: true });
  copyFileSync(path.join(dir, file), path.join(dataDir, 'strategies', file));
  const r = await api(app, token, 'POST', '/strategies', {
    name,
    config: {
      strategy_class: className,
      strategy_file: file,
      timeframe,
      pair_whitelist: pairs,
      exchange: 'binance',
    },
  });
  if (r.status !== 201) throw new Error(`create strategy ${name} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data.id;
}

/** POST /strategies/:id/start; throws unless it answered 200 running. */
export async function startStrategy(app, token, id) {
  const r = await api(app, token, 'POST', `/strategies/${id}/start`);
  if (r.status !== 200 || r.body?.data?.status !== 'running')
    throw new Error(`start strategy ${id} → ${r.status} ${JSON.stringify(r.body).slice(0, 600)}`);
}

export async function stopStrategy(app, token, id) {
  const r = await api(app, token, 'POST', `/strategies/${id}/stop`);
  if (r.status !== 200) throw new Error(`stop strategy ${id} → ${r.status} ${JSON.stringify(r.body)}`);
}

/**
 * Records every child process the app spawns through node:child_process `spawn` (freqtrade
 * create-userdir, list-strategies, the ccxt URL probe, `freqtrade trade`): { cmd, arg, pid, start,
 * end } on the monotonic clock of common.mjs. Works on dist modules already imported too: builtin
 * ESM bindings follow syncBuiltinESMExports().
 */
export function traceChildren() {
  const spawned = [];
  const original = childProcess.spawn;
  childProcess.spawn = function traced(cmd, args, ...rest) {
    const child = original.call(this, cmd, args, ...rest);
    const list = Array.isArray(args) ? args : [];
    const rec = {
      cmd: path.basename(String(cmd)),
      arg: list[0] === '-c' ? '-c' : (list[0] ?? ''),
      pid: child.pid,
      start: nowMs(),
      end: null,
    };
    child.once('exit', () => (rec.end = nowMs()));
    spawned.push(rec);
    return child;
  };
  syncBuiltinESMExports();
  return spawned;
}

/**
 * Wraps BotCapture.prototype.handleFrame (every frame the product's capture reads off a bot's
 * socket goes through it) to report { strategyId, at, raw, analyzed, resolvedAt } per frame: `at`
 * when handleFrame was called (inside the ws 'message' listener, right after data.toString()),
 * `resolvedAt` when its returned promise — this frame's ingest(), if it had signals — resolved.
 */
export function instrumentCapture(BotCapture, onFrame) {
  const original = BotCapture.prototype.handleFrame;
  BotCapture.prototype.handleFrame = function instrumented(raw) {
    const at = nowMs();
    const before = this.stats.analyzedFrames;
    const done = original.call(this, raw);
    const rec = {
      strategyId: this.o.strategyId,
      at,
      raw,
      analyzed: this.stats.analyzedFrames > before,
      resolvedAt: null,
    };
    done.then(
      () => (rec.resolvedAt = nowMs()),
      () => undefined,
    );
    onFrame(rec);
    return done;
  };
}

/** The rows of an analyzed_df frame (split orient decoded), or null for any other frame. */
export function frameRows(raw) {
  const msg = JSON.parse(raw);
  if (msg.type !== 'analyzed_df') return null;
  const split = JSON.parse(msg.data.df.__value__);
  return split.data.map((row) => Object.fromEntries(split.columns.map((c, i) => [c, row[i]])));
}

/** Offset to add to nowMs() to get epoch ms (the best of a few reads). */
export function epochOffset() {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 20; i++) {
    const a = nowMs();
    const d = Date.now();
    const b = nowMs();
    if (b - a < best) {
      best = b - a;
      offset = d - (a + b) / 2;
    }
  }
  return offset;
}

// ---------------------------------------------------------------------------------------------
// /proc

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** { ppid, pgrp, cpuMs } of a live process from /proc/<pid>/stat, or null when it is gone. */
export function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(3) ppid(4) pgrp(5) … utime(14) stime(15), numbered from 1.
    return {
      ppid: Number(f[1]),
      pgrp: Number(f[2]),
      cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK,
    };
  } catch {
    return null;
  }
}

/** VmRSS of a live process in MB, or 0 when it is gone. */
export function rssMb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every live process of process group `pgrp` (a bot runs detached: its pid is its group). */
export function groupPids(pgrp) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (procStat(Number(name))?.pgrp === pgrp) pids.push(Number(name));
  }
  return pids;
}

/** RSS (MB) and CPU time (ms) summed over a process group. */
export function groupUsage(pgrp) {
  let rss = 0;
  let cpuMs = 0;
  const pids = groupPids(pgrp);
  for (const pid of pids) {
    rss += rssMb(pid);
    cpuMs += procStat(pid)?.cpuMs ?? 0;
  }
  return { pids, rss, cpuMs };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
