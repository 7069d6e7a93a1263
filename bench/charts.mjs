#!/usr/bin/env node
// Chart data over real HTTP: a `kline` + `indicators` request pair, cached and uncached, against the
// Binance emulator (in a child process, so its work does not share the app's event loop).
//
//   npm run build                    # REQUIRED first: this measures dist/, not src/
//   node bench/charts.mjs            # BENCH_CHARTS_TIMED=200 BENCH_CHARTS_UNCACHED=40
//
// The app (from dist/, embedded database) listens on 127.0.0.1 with EXCHANGE_URL_OVERRIDES pointing
// binance at the emulator, and is measured twice: with the in-process cache and with Redis as the
// cache port. Each sample is one pair, timed end to end with fetch (keep-alive, one at a time):
//   GET /api/v1/charts/kline?pair=BTC/USDT&timeframe=1m&limit=500
//   GET /api/v1/charts/indicators?…same…&indicators=ma:20,ema:50,rsi:14,macd:12:26:9,boll:20:2,atr:14,vol_ma:20
// cached:   the same pair repeated (20 warm-up, then BENCH_CHARTS_TIMED timed) — the candles come from
//           the cache, indicators are computed on every request;
// uncached: each sample asks for 500 candles ending further in the past, never asked before, so the
//           kline request fetches its two 500-candle chunks from the emulator (ccxt, with its rate
//           limiter on: binance allows one call per 50 ms, which the second chunk may wait for) and
//           the indicators request that follows finds them cached.
// Target: cached pair p95 ≤ 5 ms. Missing it does not fail the script.
import { fork } from 'node:child_process';
import os from 'node:os';
import {
  Cleanup,
  REDIS_URL,
  adminToken,
  dist,
  fmt,
  header,
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

const TIMED = Number(process.env.BENCH_CHARTS_TIMED || 200);
const UNCACHED = Number(process.env.BENCH_CHARTS_UNCACHED || 40);
const WARMUP = 20;
const TARGET_CACHED_P95 = 5;
const MIN = 60_000;
const INDICATORS = 'ma:20,ema:50,rsi:14,macd:12:26:9,boll:20:2,atr:14,vol_ma:20';

async function startEmulator(cleanup) {
  const child = fork(
    new URL('./lib/emulator-child.mjs', import.meta.url),
    [JSON.stringify({ preset: 'walk', symbols: ['BTCUSDT', 'ETHUSDT'], seed: 1 })],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanup.add('emulator', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return '';
    child.kill('SIGTERM');
    await exited;
    return 'stopped the Binance emulator';
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m?.type === 'ready' ? resolve(m.url) : reject(new Error('bad emulator'))));
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before it was ready`)));
  });
}

const summary = (label, xs) => {
  const s = sortNum(xs);
  return `${label.padEnd(34)} n=${String(s.length).padStart(3)}  p50 ${fmt(pct(s, 50)).padStart(7)} ms  p95 ${fmt(pct(s, 95)).padStart(7)} ms  p99 ${fmt(pct(s, 99)).padStart(7)} ms  max ${fmt(s.at(-1)).padStart(7)} ms`;
};

header('BTC Watcher charts benchmark (kline + indicators)');
const cleanup = new Cleanup({ deadlineMs: 170_000 });
await runBench(cleanup, async () => {
  const emulator = await startEmulator(cleanup);
  out(`\nBinance emulator at ${emulator}`);
  const results = [];
  for (const cache of ['memory', 'redis']) {
    const dataDir = tempDir(cleanup, 'btcw-bench-charts-');
    const { app, url, close } = await startApp(cleanup, {
      dataDir,
      listen: true,
      redisKeyPrefix: cache === 'redis' ? redisPrefix(cleanup, newId()) : null,
      env: { EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emulator }) },
    });
    const headers = { authorization: `Bearer ${await adminToken(app)}` };
    const get = async (path) => {
      const res = await fetch(url + path, { headers });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
      return text;
    };
    const pair = async (query) => {
      const t0 = nowMs();
      await get(`/api/v1/charts/kline?${query}`);
      await get(`/api/v1/charts/indicators?${query}&indicators=${INDICATORS}`);
      return nowMs() - t0;
    };

    const base = 'pair=BTC/USDT&timeframe=1m&limit=500';
    const first = await pair(base); // loads ccxt and the markets, fills the cache
    for (let i = 0; i < WARMUP; i++) await pair(base);
    const cached = [];
    const baseline = [];
    for (let i = 0; i < TIMED; i++) {
      cached.push(await pair(base));
      // For scale on a busy machine: two authenticated requests that do almost nothing.
      const t0 = nowMs();
      await get('/api/v1/auth/me');
      await get('/api/v1/auth/me');
      baseline.push(nowMs() - t0);
    }

    // Profile of the cached path without HTTP: the two service calls (cache port reads, candle
    // mapping, response memo) and serialising their envelopes as the reply serializer does, timed
    // apart in this process.
    const [{ ChartsService }, { serializeReply }, { successEnvelope }] = await Promise.all([
      dist('modules/charts/charts.service.js'),
      dist('common/http/reply-serializer.js'),
      dist('common/http/envelope.js'),
    ]);
    const charts = app.get(ChartsService);
    const q = { exchange: 'binance', pair: 'BTC/USDT', timeframe: '1m', limit: 500 };
    const profile = { kline: [], indicators: [], serialise: [] };
    for (let i = 0; i < TIMED; i++) {
      let t0 = nowMs();
      const k = await charts.kline(1, q);
      profile.kline.push(nowMs() - t0);
      t0 = nowMs();
      const ind = await charts.indicators(1, { ...q, indicators: INDICATORS });
      profile.indicators.push(nowMs() - t0);
      t0 = nowMs();
      serializeReply(successEnvelope(k, 'bench'));
      serializeReply(successEnvelope(ind, 'bench'));
      profile.serialise.push(nowMs() - t0);
    }

    // Uncached: 500 candles ending k × 1000 minutes ago (k ≥ 2): two chunks nobody asked for.
    const now = Date.now();
    const uncached = [];
    for (let k = 2; k < 2 + UNCACHED; k++) {
      const end = new Date(Math.floor((now - k * 1000 * MIN) / MIN) * MIN).toISOString();
      uncached.push(await pair(`pair=ETH/USDT&timeframe=1m&limit=500&end_time=${end}`));
    }
    await close();
    out(`\ncache port: ${cache === 'redis' ? `Redis (${REDIS_URL})` : 'in-process'}`);
    out(`  first pair (loads ccxt + markets)   ${fmt(first)} ms`);
    out(`  ${summary('cached pair (kline + indicators)', cached)}`);
    out(`  ${summary('baseline pair (2 × GET /auth/me)', baseline)}`);
    out(`  ${summary('uncached pair (2 exchange calls)', uncached)}`);
    out(`  in-process profile of the cached pair (no HTTP, no auth):`);
    out(`    ${summary('ChartsService.kline', profile.kline)}`);
    out(`    ${summary('ChartsService.indicators', profile.indicators)}`);
    out(`    ${summary('serialising both envelopes', profile.serialise)}`);
    results.push({
      cache,
      p95: pct(sortNum(cached), 95),
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
        `baseline pair p95 ${fmt(r.baselineP95)} ms); uncached pair p95 ${fmt(r.uncachedP95)} ms`,
    );
});
