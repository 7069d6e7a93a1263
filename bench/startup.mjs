#!/usr/bin/env node
// Startup benchmark for the built server (`node dist/src/main.js`). Prints figures, not a test.
//
//   npm run build             # REQUIRED first: this measures dist/, not src/ (a bare `nest build`
//                             # leaves out the server bundle and its code cache: slower starts)
//   node bench/startup.mjs    # or: npm run bench:startup
//
// For each start it measures: ms from spawn until GET /api/v1/system/health answers 200 (polled
// every 25 ms), the child's resident memory (VmRSS from /proc/<pid>/status) after 3 s idle, and ms
// from SIGTERM until the process has exited.
//   (a) embedded PGlite, first-ever start in a fresh DATA_DIR (creates the database, migrates,
//       creates the admin user);
//   (b) embedded reopen of that DATA_DIR, 3 times (each figure and the median);
//   (c) real PostgreSQL + Redis: a temporary database (dropped at the end), one cold start
//       (migrations) and 3 warm starts, Redis keys under a prefix of their own (deleted at the end).
// Targets are printed next to the figures; missing one does not fail the script. It exits non-zero
// only when something goes wrong (the server does not start, crashes, does not stop cleanly, …).
//
// Environment: BENCH_PG_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres) and
// BENCH_REDIS_URL (default redis://127.0.0.1:6379/0). Without a reachable PostgreSQL, (c) is skipped;
// without Redis, (c) runs with in-process caches. Linux only (reads /proc). MB = 1024 × 1024 bytes.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { PG_ADMIN_URL, REDIS_URL, deleteRedisPrefix, out, verdict, withPg } from './lib/common.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const HEALTH_PATH = '/api/v1/system/health';
const POLL_MS = 25;
const IDLE_MS = 3000;
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const WARM_RUNS = 3;
const TARGETS = {
  postgres: { startMs: 1500, rssMb: 150 },
  embeddedReopen: { startMs: 2000, rssMb: 350 },
};

const errors = [];
const running = new Set();
let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true;
  for (const child of running) child.kill('SIGTERM');
});

// ---------------------------------------------------------------------------------------------
// helpers

const ms = (v) => `${Math.round(v)} ms`;
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Only what Node needs, so the caller's own BTC Watcher variables cannot leak into a run. */
function baseEnv() {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

/** Lines worth showing from a run's output: warnings, errors and anything that is not a JSON log line. */
function notableLines(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/created administrator|also saved to/.test(l)) // the initial password banner
    .filter((l) => {
      try {
        const entry = JSON.parse(l);
        return ['warn', 'error', 'fatal', 40, 50, 60].includes(entry.level);
      } catch {
        return true;
      }
    });
}

/**
 * One start: spawn, poll health until 200, idle, read RSS, SIGTERM, wait for exit.
 * Throws (after killing the child) when the server fails to start or to stop cleanly.
 */
async function measureStart(label, extraEnv) {
  const port = await freePort();
  const env = { ...baseEnv(), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...extraEnv };
  let output = '';
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const collect = (chunk) => {
    if (output.length < 1_000_000) output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal, at: performance.now() };
      running.delete(child);
      resolve(exited);
    });
    child.once('error', (err) => {
      exited = { code: null, signal: null, at: performance.now(), err };
      running.delete(child);
      resolve(exited);
    });
  });
  const fail = async (why) => {
    if (!exited) {
      child.kill('SIGKILL');
      await exit;
    }
    const tail = notableLines(output).slice(-15).join('\n      ');
    throw new Error(`${label}: ${why}${tail ? `\n      ${tail}` : ''}`);
  };

  // (1) start → healthy
  const url = `http://127.0.0.1:${port}${HEALTH_PATH}`;
  let startMs = null;
  let status = null;
  while (startMs === null) {
    if (interrupted) await fail('interrupted');
    if (exited) await fail(`exited before becoming healthy (code ${exited.code}, signal ${exited.signal})`);
    if (performance.now() - started > START_TIMEOUT_MS)
      await fail(`not healthy after ${START_TIMEOUT_MS} ms`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        startMs = performance.now() - started;
        status = (await res.json().catch(() => null))?.data?.status ?? '?';
      } else await res.arrayBuffer();
    } catch {
      // not listening yet
    }
    if (startMs === null) await sleep(POLL_MS);
  }

  // (2) idle → RSS
  await Promise.race([sleep(IDLE_MS), exit]);
  if (exited) await fail(`exited while idle (code ${exited.code}, signal ${exited.signal})`);
  const rss = rssKb(child.pid);

  // (3) SIGTERM → exit
  const stopAt = performance.now();
  child.kill('SIGTERM');
  const stopped = await Promise.race([exit, sleep(STOP_TIMEOUT_MS).then(() => null)]);
  if (!stopped) await fail(`still running ${STOP_TIMEOUT_MS} ms after SIGTERM`);
  const shutdownMs = stopped.at - stopAt;
  if (stopped.code !== 0) await fail(`exit code ${stopped.code} (signal ${stopped.signal}) after SIGTERM`);

  return { label, startMs, rssKb: rss, shutdownMs, status, notable: notableLines(output) };
}

function printRun(r) {
  out(
    `    ${r.label.padEnd(26)} start→healthy ${ms(r.startMs).padStart(8)}   idle RSS ${mb(r.rssKb).padStart(9)}` +
      `   shutdown ${ms(r.shutdownMs).padStart(7)}${r.status === 'healthy' ? '' : `   (health status: ${r.status})`}`,
  );
  for (const line of r.notable.slice(0, 5))
    out(`      log: ${line.length > 240 ? `${line.slice(0, 240)}…` : line}`);
  if (r.notable.length > 5) out(`      log: … ${r.notable.length - 5} more line(s)`);
}

function printMedian(runs, target) {
  const start = median(runs.map((r) => r.startMs));
  const rss = median(runs.map((r) => r.rssKb));
  const shutdown = median(runs.map((r) => r.shutdownMs));
  out(
    `    ${'median'.padEnd(26)} start→healthy ${ms(start).padStart(8)}   idle RSS ${mb(rss).padStart(9)}   shutdown ${ms(shutdown).padStart(7)}`,
  );
  if (target) {
    out(
      `    ${'target'.padEnd(26)} start→healthy ≤ ${target.startMs} ms: ${verdict(start, target.startMs)}` +
        `   idle RSS ≤ ${target.rssMb} MB: ${verdict(rss / 1024, target.rssMb)}`,
    );
  }
  return { start, rss, shutdown };
}

/** Runs `fn`, recording (not rethrowing) its failure so later sections still run. */
async function section(title, fn) {
  out();
  out(title);
  try {
    return await fn();
  } catch (err) {
    errors.push(err);
    out(`    ERROR: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

async function redisVersion(url) {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined); // unreachable: reported by the caller
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// main

if (!existsSync(MAIN)) {
  process.stderr.write(`${path.relative(process.cwd(), MAIN)} not found: run \`npx nest build\` first\n`);
  process.exit(1);
}
if (process.platform !== 'linux') {
  process.stderr.write('this benchmark reads /proc/<pid>/status and runs on Linux only\n');
  process.exit(1);
}

const builtAt = statSync(MAIN).mtimeMs;
out(
  `BTC Watcher startup benchmark — node ${process.version}, ${os.platform()} ${os.arch()}, ` +
    `${os.cpus().length} CPU(s) (${os.cpus()[0]?.model.trim() ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM`,
);
out(
  `dist/src/main.js built ${new Date(builtAt).toISOString()}; health polled every ${POLL_MS} ms; RSS after ${IDLE_MS / 1000} s idle`,
);
if (newestMtime(path.join(ROOT, 'src')) > builtAt) {
  out(
    'WARNING: src/ has changes newer than dist/ — these figures are for the old build (run `npm run build`)',
  );
}
{
  // The same check `npm run build` ends with: the bundle is there, fresh, and V8 takes its code cache.
  const check = spawnSync(
    process.execPath,
    [path.join(ROOT, 'dist/src/tools/server-code-cache.js'), '--check'],
    {
      encoding: 'utf8',
    },
  );
  out(
    check.status === 0
      ? 'server bundle: dist/server/server.js with its V8 code cache'
      : `WARNING: ${check.stderr.trim() || 'no usable server bundle'} — these figures are for the unbundled server`,
  );
}

const tmpDirs = [];
const tempDir = (prefix) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
};
const summary = [];

try {
  // (a) + (b): embedded PGlite
  const embeddedDir = tempDir('btcw-bench-embedded-');
  const first = await section(
    `(a) embedded PGlite, first-ever start (fresh DATA_DIR=${embeddedDir})`,
    async () => {
      const r = await measureStart('first start', { DATA_DIR: embeddedDir });
      printRun(r);
      summary.push(['embedded, first start', r.startMs, r.rssKb, null]);
      return r;
    },
  );

  if (first && !interrupted) {
    await section(`(b) embedded PGlite, reopen of the same DATA_DIR × ${WARM_RUNS}`, async () => {
      const runs = [];
      for (let i = 1; i <= WARM_RUNS && !interrupted; i++) {
        const r = await measureStart(`reopen ${i}`, { DATA_DIR: embeddedDir });
        printRun(r);
        runs.push(r);
      }
      const m = printMedian(runs, TARGETS.embeddedReopen);
      summary.push(['embedded, reopen (median)', m.start, m.rss, TARGETS.embeddedReopen]);
    });
  }

  // (c): real PostgreSQL (+ Redis)
  if (!interrupted) {
    const pgVersion = await withPg(PG_ADMIN_URL, (c) => c.query('SHOW server_version')).then(
      (r) => r.rows[0].server_version,
      () => null,
    );
    const safePgUrl = PG_ADMIN_URL.replace(/\/\/[^@/]*@/, '//');
    if (!pgVersion) {
      out();
      out(`(c) real PostgreSQL: SKIPPED — ${safePgUrl} is not reachable (set BENCH_PG_URL)`);
    } else {
      const redis = await redisVersion(REDIS_URL);
      const id = randomBytes(4).toString('hex');
      const dbName = `btcw_bench_${id}`;
      const prefix = `btcw:bench:${id}:`;
      const dbUrl = new URL(PG_ADMIN_URL);
      dbUrl.pathname = `/${dbName}`;
      const env = { DATA_DIR: tempDir('btcw-bench-pg-'), DATABASE_URL: dbUrl.toString() };
      if (redis) Object.assign(env, { REDIS_URL, REDIS_KEY_PREFIX: prefix });
      const redisNote = redis
        ? `Redis ${redis} (key prefix ${prefix})`
        : `in-process caches (Redis at ${REDIS_URL} not reachable)`;
      let created = false;
      try {
        await section(
          `(c) PostgreSQL ${pgVersion} (temporary database ${dbName}) + ${redisNote}: cold start, then warm × ${WARM_RUNS}`,
          async () => {
            await withPg(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${dbName}`));
            created = true;
            const cold = await measureStart('cold (migrations)', env);
            printRun(cold);
            summary.push(['PostgreSQL, cold (migrations)', cold.startMs, cold.rssKb, null]);
            const runs = [];
            for (let i = 1; i <= WARM_RUNS && !interrupted; i++) {
              const r = await measureStart(`warm ${i}`, env);
              printRun(r);
              runs.push(r);
            }
            const m = printMedian(runs, TARGETS.postgres);
            summary.push(['PostgreSQL, warm (median)', m.start, m.rss, TARGETS.postgres]);
          },
        );
      } finally {
        if (created) {
          try {
            await withPg(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
            out(`    dropped database ${dbName}`);
          } catch (err) {
            errors.push(err);
            out(`    ERROR dropping database ${dbName}: ${err.message}`);
          }
        }
        if (redis) {
          try {
            const n = await deleteRedisPrefix(REDIS_URL, prefix);
            out(`    deleted ${n} Redis key(s) under ${prefix}`);
          } catch (err) {
            errors.push(err);
            out(`    ERROR cleaning Redis keys under ${prefix}: ${err.message}`);
          }
        }
      }
    }
  }
} finally {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
}

out();
out('summary                          start→healthy     idle RSS   target');
for (const [name, start, rss, target] of summary) {
  const t = target
    ? `≤ ${target.startMs} ms (${verdict(start, target.startMs)}), ≤ ${target.rssMb} MB (${verdict(rss / 1024, target.rssMb)})`
    : '—';
  out(`  ${name.padEnd(30)} ${ms(start).padStart(13)} ${mb(rss).padStart(12)}   ${t}`);
}
if (interrupted) {
  out('\ninterrupted');
  process.exit(130);
}
if (errors.length) {
  out(`\n${errors.length} error(s); see above`);
  process.exit(1);
}
