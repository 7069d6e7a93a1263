#!/usr/bin/env node
// Chart data over real HTTP: a `kline` + `indicators` request pair, cached and uncached, against the
// Binance emulator. The app and the emulator each run in a child process of their own, as in
// production, so neither the client's HTTP work nor the emulator's shares the app's event loop.
//
//   npm run build                    # REQUIRED first: this measures dist/, not src/
//   node bench/charts.mjs            # BENCH_CHARTS_TIMED=500 BENCH_CHARTS_UNCACHED=40 BENCH_CHARTS_WARMUP=300
//
// The app (from dist/, embedded database, bench/lib/charts-app-child.mjs) listens on 127.0.0.1 with
// EXCHANGE_URL_OVERRIDES pointing binance at the emulator, and is measured twice: with the
// in-process cache and with Redis as the cache port (the rate limit on, as in production). Each
// sample is one pair, timed end to end by the client, one request at a time on a keep-alive
// connection, the body read whole:
//   GET /api/v1/charts/kline?pair=BTC/USDT&timeframe=1m&limit=500
//   GET /api/v1/charts/indicators?…same…&indicators=ma:20,ema:50,rsi:14,macd:12:26:9,boll:20:2,atr:14,vol_ma:20
// The target is judged on bench/lib/raw-http.mjs, a wrk-like instrument that adds next to nothing
// of its own. The same pair through undici's request() and through fetch() is printed beside it:
// those clients' own allocation and collections are part of what they show. Under the target
// figure: the app's own handling of the same pairs (request event to response flushed, timed in its
// process), and the collector's pauses in both processes over them.
// cached:   the same pair repeated (after the warm-up, BENCH_CHARTS_TIMED timed) — the candles come from
//           the cache and the response bodies from the app's serialised-response memo;
// uncached: each sample asks for 500 candles ending further in the past, never asked before, so the
//           kline request fetches its two 500-candle chunks from the emulator (ccxt, with its rate
//           limiter on: binance allows one call per 50 ms, which the second chunk may wait for) and
//           the indicators request that follows finds them cached.
// Target: cached pair p95 ≤ 5 ms. Missing it does not fail the script.
import { fork, spawnSync } from 'node:child_process';
import os from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { rawHttpClient } from './lib/raw-http.mjs';
import {
  Cleanup,
  REDIS_URL,
  fmt,
  header,
  newId,
  nowMs,
  out,
  pct,
  redisPrefix,
  runBench,
  sortNum,
  tempDir,
  verdict,
} from './lib/common.mjs';

// The measuring client starts with a large heap: V8 keeps a small process's old space tight and,
// with ~170 kB of response bytes arriving per pair, marked it every ~100 ms here (5–15 ms pauses
// that were the client's, not the server's). The app and the emulator run without the flag.
const CLIENT_HEAP_FLAG = '--initial-heap-size=256';
if (!process.execArgv.includes(CLIENT_HEAP_FLAG)) {
  const r = spawnSync(process.execPath, [CLIENT_HEAP_FLAG, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

const TIMED = Number(process.env.BENCH_CHARTS_TIMED || 500);
const UNCACHED = Number(process.env.BENCH_CHARTS_UNCACHED || 40);
// A server runs for days: V8 optimises its hot paths only after some thousands of calls, and a
// figure taken in its first second says more about the JIT than about the code. The warm-up
// (every request kind of the timed loop, BENCH_CHARTS_WARMUP rounds) reaches that steady state.
const WARMUP = Number(process.env.BENCH_CHARTS_WARMUP || 300);
const TARGET_CACHED_P95 = 5;
const MIN = 60_000;
const INDICATORS = 'ma:20,ema:50,rsi:14,macd:12:26:9,boll:20:2,atr:14,vol_ma:20';

/** Forks a bench child, stopped at cleanup; resolves with its `ready` message. */
function forkChild(cleanup, name, script, arg) {
  const child = fork(new URL(script, import.meta.url), [JSON.stringify(arg)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [], // as `npm start` runs it, not with the client's heap flag
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanup.add(name, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return '';
    child.kill('SIGTERM');
    await exited;
    return `stopped the ${name}`;
  });
  const ready = new Promise((resolve, reject) => {
    child.once('message', (m) => (m?.type === 'ready' ? resolve(m) : reject(new Error(`bad ${name}`))));
    child.once('exit', (code) => reject(new Error(`the ${name} exited (${code}) before it was ready`)));
  });
  const ask = (type) =>
    new Promise((resolve) => {
      const on = (m) => m?.type === type && (child.off('message', on), resolve(m));
      child.on('message', on);
      child.send({ type });
    });
  return { child, ready, ask, exited };
}

// The client's own collector pauses, printed beside the app's: a sample that spans one is slow for
// a reason neither server nor network has.
const clientGc = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) clientGc.push(e);
}).observe({ entryTypes: ['gc'] });
/** The client's pauses (ms) that began within [from, to] (performance.now() times). */
const clientGcWithin = async (from, to) => {
  await new Promise((resolve) => setImmediate(resolve)); // entries are delivered asynchronously
  return clientGc.filter((e) => e.startTime >= from && e.startTime <= to).map((e) => e.duration);
};
const gcLine = (xs) => {
  const s = sortNum(xs);
  return `${String(s.length).padStart(3)} pauses, ${fmt(s.reduce((a, b) => a + b, 0)).padStart(6)} ms in all, the longest ${fmt(s.at(-1) ?? 0)} ms`;
};

const summary = (label, xs) => {
  const s = sortNum(xs);
  return `${label.padEnd(34)} n=${String(s.length).padStart(3)}  p50 ${fmt(pct(s, 50)).padStart(7)} ms  p95 ${fmt(pct(s, 95)).padStart(7)} ms  p99 ${fmt(pct(s, 99)).padStart(7)} ms  max ${fmt(s.at(-1)).padStart(7)} ms`;
};

header('BTC Watcher charts benchmark (kline + indicators)');
const cleanup = new Cleanup({ deadlineMs: 170_000 });
await runBench(cleanup, async () => {
  const emulator = forkChild(cleanup, 'Binance emulator', './lib/emulator-child.mjs', {
    preset: 'walk',
    symbols: ['BTCUSDT', 'ETHUSDT'],
    seed: 1,
  });
  const { url: emulatorUrl } = await emulator.ready;
  out(`\nBinance emulator at ${emulatorUrl}`);
  const results = [];
  for (const cache of ['memory', 'redis']) {
    const server = forkChild(cleanup, 'app', './lib/charts-app-child.mjs', {
      dataDir: tempDir(cleanup, 'btcw-bench-charts-'),
      redisKeyPrefix: cache === 'redis' ? redisPrefix(cleanup, newId()) : null,
      env: {
        EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emulatorUrl }),
        // The rate limit stays on, as in production (each request counts on the Counters port),
        // with a window this run cannot fill.
        RATE_LIMIT_MAX: '1000000000',
      },
      timed: TIMED,
      indicators: INDICATORS,
    });
    const { url, token } = await server.ready;
    const headers = { authorization: `Bearer ${token}` };
    const raw = await rawHttpClient(url, headers);
    const viaRaw = async (path) => {
      const res = await raw.get(path);
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await viaFetch(path)}`);
      return res.bytes;
    };
    const dispatcher = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
    // The body is read whole but not decoded, as load generators read it.
    const viaRequest = async (path) => {
      const res = await request(url + path, { headers, dispatcher });
      if (res.statusCode !== 200)
        throw new Error(`${path}: ${res.statusCode} ${(await res.body.text()).slice(0, 300)}`);
      let bytes = 0;
      for await (const chunk of res.body) bytes += chunk.length;
      if (bytes !== Number(res.headers['content-length'])) throw new Error(`${path}: ${bytes} bytes read`);
      return bytes;
    };
    const viaFetch = async (path) => {
      const res = await fetch(url + path, { headers });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
      return text;
    };
    const pair = async (query, get = viaRaw) => {
      const t0 = nowMs();
      await get(`/api/v1/charts/kline?${query}`);
      await get(`/api/v1/charts/indicators?${query}&indicators=${INDICATORS}`);
      return nowMs() - t0;
    };

    const base = 'pair=BTC/USDT&timeframe=1m&limit=500';
    const first = await pair(base); // loads ccxt and the markets, fills the cache
    // What the timed requests answer, checked once: 500 candles, every indicator asked for, and as
    // many bytes through the raw instrument as through fetch (same lengths: the envelope's request
    // id and timestamp are fixed-width).
    const klinePath = `/api/v1/charts/kline?${base}`;
    const indicatorsPath = `/api/v1/charts/indicators?${base}&indicators=${INDICATORS}`;
    const [klineText, indicatorsText] = [await viaFetch(klinePath), await viaFetch(indicatorsPath)];
    const kline = JSON.parse(klineText).data;
    const missing = INDICATORS.split(',').filter(
      (spec) => !(spec in JSON.parse(indicatorsText).data.indicators),
    );
    const rawBytes = [await viaRaw(klinePath), await viaRaw(indicatorsPath)];
    const fetchBytes = [Buffer.byteLength(klineText), Buffer.byteLength(indicatorsText)];
    if (kline.data.length !== 500 || missing.length || String(rawBytes) !== String(fetchBytes))
      throw new Error(`unexpected answers (missing ${missing}; bytes ${rawBytes} vs ${fetchBytes})`);
    for (let i = 0; i < WARMUP; i++) {
      await pair(base);
      await pair(base, viaRequest);
      await pair(base, viaFetch);
      await viaRaw('/api/v1/auth/me');
    }
    // Each kind in a loop of its own, so that no sample waits on work another kind left behind
    // (the baseline's database query runs on PGlite in the app's own process).
    await server.ask('server-times');
    const from = performance.now();
    const cached = [];
    for (let i = 0; i < TIMED; i++) cached.push(await pair(base));
    const cachedClientGc = await clientGcWithin(from, performance.now());
    // The same pairs as the app saw them: each request's handling, request event to response flushed.
    const { times, gcPauses } = await server.ask('server-times');
    const serverPairs = Array.from({ length: times.length >> 1 }, (_, i) => times[2 * i] + times[2 * i + 1]);
    const cachedRequest = [];
    for (let i = 0; i < TIMED; i++) cachedRequest.push(await pair(base, viaRequest));
    const cachedFetch = [];
    for (let i = 0; i < TIMED; i++) cachedFetch.push(await pair(base, viaFetch));
    // For scale on a busy machine: two authenticated requests that each read one row.
    const baseline = [];
    for (let i = 0; i < TIMED; i++) {
      const t0 = nowMs();
      await viaRaw('/api/v1/auth/me');
      await viaRaw('/api/v1/auth/me');
      baseline.push(nowMs() - t0);
    }

    // Profile of the cached path without HTTP, in the app's process: the two service calls (cache
    // port reads, candle mapping, response memo) and serialising their envelopes as the reply
    // serializer does.
    const profile = await server.ask('profile');

    // Uncached: 500 candles ending k × 1000 minutes ago (k ≥ 2): two chunks nobody asked for.
    const now = Date.now();
    const uncached = [];
    for (let k = 2; k < 2 + UNCACHED; k++) {
      const end = new Date(Math.floor((now - k * 1000 * MIN) / MIN) * MIN).toISOString();
      uncached.push(await pair(`pair=ETH/USDT&timeframe=1m&limit=500&end_time=${end}`));
    }
    raw.close();
    await dispatcher.close();
    server.child.send({ type: 'close' });
    await server.exited;
    out(`\ncache port: ${cache === 'redis' ? `Redis (${REDIS_URL})` : 'in-process'}`);
    out(`  first pair (loads ccxt + markets)   ${fmt(first)} ms`);
    out(`  ${summary('cached pair (kline + indicators)', cached)}`);
    out(`  ${summary('  its handling in the app', serverPairs)}`);
    out(`    collector over those pairs: app ${gcLine(gcPauses)}; client ${gcLine(cachedClientGc)}`);
    out(`  ${summary('same, through undici request()', cachedRequest)}`);
    out(`  ${summary('same, through fetch()', cachedFetch)}`);
    out(`  ${summary('baseline pair (2 × GET /auth/me)', baseline)}`);
    out(`  ${summary('uncached pair (2 exchange calls)', uncached)}`);
    out(`  in-process profile of the cached pair (no HTTP, no auth):`);
    out(`    ${summary('ChartsService.kline', profile.kline)}`);
    out(`    ${summary('ChartsService.indicators', profile.indicators)}`);
    out(`    ${summary('serialising both envelopes', profile.serialise)}`);
    results.push({
      cache,
      p95: pct(sortNum(cached), 95),
      serverP95: pct(sortNum(serverPairs), 95),
      requestP95: pct(sortNum(cachedRequest), 95),
      fetchP95: pct(sortNum(cachedFetch), 95),
      baselineP95: pct(sortNum(baseline), 95),
      uncachedP95: pct(sortNum(uncached), 95),
    });
  }
  out(
    `\nload average ${os
      .loadavg()
      .map((l) => fmt(l))
      .join(' ')} on ${os.cpus().length} CPU(s)`,
  );
  for (const r of results)
    out(
      `${r.cache.padEnd(7)} cached pair p95 ${fmt(r.p95)} ms (target ≤ ${TARGET_CACHED_P95} ms: ${verdict(r.p95, TARGET_CACHED_P95)}; ` +
        `in the app ${fmt(r.serverP95)} ms; through request() ${fmt(r.requestP95)} ms, fetch() ${fmt(r.fetchP95)} ms; baseline pair p95 ${fmt(r.baselineP95)} ms); uncached pair p95 ${fmt(r.uncachedP95)} ms`,
    );
});
