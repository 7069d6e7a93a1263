// Shared plumbing of the benchmarks (bench/signals-*.mjs, bench/realtime-fanout.mjs; startup.mjs uses the
// database and Redis helpers):
// an in-process app built from dist/ on a throw-away PostgreSQL database and Redis key prefix (or
// embedded PGlite in a temporary DATA_DIR), the admin's token, strategies, percentiles, and a
// cleanup list that runs on success, on failure, on Ctrl-C and when the script's deadline passes.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.join(ROOT, 'dist', 'src');
export const PG_ADMIN_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379/0';
export const ADMIN = { username: 'benchadmin', password: 'bench-admin-password-1' };
export const STRATEGY_SOURCE =
  'from freqtrade.strategy import IStrategy\n\nclass Probe(IStrategy):\n    pass\n';

export const out = (line = '') => process.stdout.write(`${line}\n`);
export const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
export const int = (v) => Math.round(v).toLocaleString('en-US');

/** Nearest-rank percentile of an ascending-sorted array. */
export function pct(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
export const sortNum = (xs) => [...xs].sort((a, b) => a - b);
/** `met` / `MISSED` for "value ≤ limit" (atMost) or "value ≥ limit" (!atMost). */
export const verdict = (value, limit, atMost = true) =>
  (atMost ? value <= limit : value >= limit) ? 'met' : 'MISSED';

/** Milliseconds from a monotonic clock shared by every thread and process of this machine. */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

export function header(title) {
  out(
    `${title} — node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPU(s) ` +
      `(${os.cpus()[0]?.model.trim() ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM`,
  );
  const main = path.join(DIST, 'main.js');
  if (!existsSync(main)) {
    process.stderr.write('dist/src/main.js not found: run `npx nest build` first\n');
    process.exit(1);
  }
  const builtAt = statSync(main).mtimeMs;
  out(`dist/ built ${new Date(builtAt).toISOString()}`);
  if (newestMtime(path.join(ROOT, 'src')) > builtAt)
    out('WARNING: src/ has changes newer than dist/ — these figures are for the old build');
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export const dist = (rel) => import(pathToFileURL(path.join(DIST, rel)).href);

// ---------------------------------------------------------------------------------------------
// cleanup

/**
 * Things to undo, run last-in first-out exactly once: at the end, on an error, on SIGINT/SIGTERM,
 * or when the deadline passes (then the process exits 1 after cleaning up).
 */
export class Cleanup {
  #steps = [];
  #ran = null;

  constructor({ deadlineMs } = {}) {
    const bail = (code, why) => {
      out(`\n${why}: cleaning up`);
      void this.run().finally(() => process.exit(code));
    };
    process.once('SIGINT', () => bail(130, 'interrupted'));
    process.once('SIGTERM', () => bail(143, 'terminated'));
    if (deadlineMs)
      setTimeout(() => bail(1, `ERROR: deadline of ${deadlineMs / 1000} s passed`), deadlineMs).unref();
  }

  add(label, fn) {
    this.#steps.push({ label, fn });
    return fn;
  }

  run() {
    this.#ran ??= (async () => {
      const failures = [];
      while (this.#steps.length) {
        const { label, fn } = this.#steps.pop();
        try {
          const note = await Promise.race([
            fn(),
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error('timed out after 20 s')), 20_000).unref(),
            ),
          ]);
          if (typeof note === 'string' && note) out(`  cleanup: ${note}`);
        } catch (err) {
          failures.push(err);
          out(`  cleanup ERROR (${label}): ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return failures;
    })();
    return this.#ran;
  }
}

/**
 * Runs the benchmark body, then the cleanup; prints an error and exits 1 when either failed.
 * Missing a target is not a failure.
 */
export async function runBench(cleanup, body) {
  let failed = false;
  try {
    await body();
  } catch (err) {
    failed = true;
    out(`\nERROR: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  out('');
  const failures = await cleanup.run();
  if (failed || failures.length) process.exit(1);
  process.exit(0);
}

export function tempDir(cleanup, prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanup.add(`remove ${dir}`, () => {
    rmSync(dir, { recursive: true, force: true });
    return `removed ${dir}`;
  });
  return dir;
}

export async function withPg(url, fn) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database btcw_bench_<hex>, dropped (WITH FORCE) at cleanup. */
export async function createDatabase(cleanup, id) {
  const name = `btcw_bench_${id}`;
  await withPg(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  cleanup.add(`drop ${name}`, async () => {
    await withPg(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    return `dropped database ${name}`;
  });
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function deleteRedisPrefix(url, prefix) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // failures surface as rejected commands
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** A Redis key prefix btcw:bench:<hex>:, whose keys are deleted at cleanup. */
export function redisPrefix(cleanup, id) {
  const prefix = `btcw:bench:${id}:`;
  cleanup.add(`Redis keys ${prefix}*`, async () => {
    const n = await deleteRedisPrefix(REDIS_URL, prefix);
    return `deleted ${n} Redis key(s) under ${prefix}`;
  });
  return prefix;
}

export const newId = () => randomBytes(4).toString('hex');

// ---------------------------------------------------------------------------------------------
// the application

/**
 * Boots the application from dist/ in this process. `databaseUrl` null → embedded PGlite in
 * `dataDir`; `redisPrefix` null → in-process caches. With `listen`, it serves HTTP + socket.io on
 * 127.0.0.1 (random port) and `url` is its base URL. The app is closed at cleanup (or by close()).
 */
export async function startApp(
  cleanup,
  { dataDir, databaseUrl = null, redisKeyPrefix = null, listen = false, env = {} },
) {
  const [{ loadConfig }, { createApp }] = await Promise.all([
    dist('config/app-config.js'),
    dist('app.factory.js'),
  ]);
  const config = loadConfig({
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
    RATE_LIMIT_MAX: '0',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(redisKeyPrefix ? { REDIS_URL, REDIS_KEY_PREFIX: redisKeyPrefix } : {}),
    ...env,
  });
  const { app } = await createApp(config);
  let closed = false;
  const close = async () => {
    if (closed) return '';
    closed = true;
    await app.close();
    return 'closed the app';
  };
  cleanup.add('close the app', close);
  let url = null;
  if (listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const a = app.getHttpServer().address();
    url = `http://127.0.0.1:${a.port}`;
  } else {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  }
  return { app, config, url, close };
}

async function inject(app, opts) {
  const res = await app.inject(opts);
  const body = res.body ? JSON.parse(res.body) : null;
  if (res.statusCode >= 300)
    throw new Error(`${opts.method} ${opts.url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
  return body;
}

/** One API call as `token`'s user; returns the envelope's `data`, throws on any non-2xx answer. */
export async function api(app, token, method, url, payload, headers = {}) {
  const body = await inject(app, {
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}`, ...headers },
    payload,
  });
  return body.data;
}

/** Polls GET /tasks/{id} until the task ends (SUCCESS, FAILURE or REVOKED); returns the task. */
export async function waitTask(app, token, id, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const t = await api(app, token, 'GET', `/tasks/${id}`);
    if (['SUCCESS', 'FAILURE', 'REVOKED'].includes(t.status)) return t;
    if (Date.now() > end) throw new Error(`task ${id} did not end within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The access token of the ADMIN_USERNAME administrator (created at boot). */
export async function adminToken(app) {
  const body = await inject(app, {
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: ADMIN.username, password: ADMIN.password },
  });
  return body.data.access_token;
}

/** Strategies of the token's user on DATA_DIR/strategies/probe.py; returns their ids. */
export async function createStrategies(app, dataDir, token, names, pairs) {
  mkdirSync(path.join(dataDir, 'strategies'), { recursive: true });
  writeFileSync(path.join(dataDir, 'strategies', 'probe.py'), STRATEGY_SOURCE);
  const ids = [];
  for (const name of names) {
    const body = await inject(app, {
      method: 'POST',
      url: '/api/v1/strategies',
      headers: { authorization: `Bearer ${token}` },
      payload: {
        name,
        config: {
          strategy_file: 'probe.py',
          strategy_class: 'Probe',
          timeframe: '5m',
          pair_whitelist: pairs.slice(0, 50),
        },
      },
    });
    ids.push(body.data.id);
  }
  return ids;
}

export const KINDS = ['enter_long', 'exit_long', 'enter_short', 'exit_short'];

/** n distinct pairs like BTC/USDT, ETH/USDT, …, P13/USDT. */
export function pairs(n) {
  const bases = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'ADA', 'DOGE', 'AVAX', 'DOT', 'LINK', 'LTC', 'ATOM'];
  return Array.from({ length: n }, (_, i) => `${bases[i] ?? `P${i}`}/USDT`);
}

// ---------------------------------------------------------------------------------------------
// socket.io clients (bench/lib/socket-clients-worker.mjs)

/**
 * `count` socket.io clients of `token` in a worker thread, connected `batch` at a time. Resolves
 * once all are connected ({ connected, connectMs }); `messages` receives the worker's reports.
 * Disconnected and stopped at cleanup (or by close()).
 */
export async function startClients(cleanup, { url, token, count, batch = 50, report, onMessage }) {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(new URL('./socket-clients-worker.mjs', import.meta.url), {
    workerData: { url, token, count, batch, report },
  });
  let exited = false;
  const exit = new Promise((resolve) => worker.once('exit', () => resolve((exited = true))));
  const ready = new Promise((resolve, reject) => {
    worker.on('message', (m) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'error') reject(new Error(`socket.io clients: ${m.message}`));
      else onMessage?.(m);
    });
    worker.once('error', reject);
    void exit.then(() => reject(new Error('socket.io client worker exited')));
  });
  const close = async () => {
    if (exited) return '';
    const closed = new Promise((resolve) =>
      worker.on('message', (m) => m.type === 'closed' && resolve(m.closed)),
    );
    worker.postMessage({ type: 'close' });
    const n = await Promise.race([closed, new Promise((r) => setTimeout(() => r(null), 5000))]);
    await Promise.race([exit, new Promise((r) => setTimeout(r, 2000))]);
    if (!exited) await worker.terminate();
    return n === null ? 'terminated the client worker' : `closed ${n} socket.io client(s)`;
  };
  cleanup.add('socket.io clients', close);
  return { ready: await ready, close };
}
