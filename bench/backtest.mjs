#!/usr/bin/env node
// Evaluation overhead: POST /evaluations (type backtest) of a real freqtrade 2025.8 backtest of one
// pair over one year of 5m candles (105,120 candles uploaded as a dataset), timed from the task's
// start to its end (result stored, charts and report written), minus the time the freqtrade process
// itself ran (backtesting, including its Python start and market loading against the Binance
// emulator). What is left is BTC Watcher's part: writing the run directory and config, reading
// freqtrade's result zip, computing the figures, charts and the HTML report, storing the row.
//
//   npm run build                     # REQUIRED first: this measures dist/, not src/
//   node bench/backtest.mjs [--runs 3]
//
// Strategy: examples/strategies/EmaCrossStrength.py on a seeded random walk (many trades).
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  Cleanup,
  api,
  waitTask,
  adminToken,
  fmt,
  header,
  out,
  runBench,
  startApp,
  tempDir,
} from './lib/common.mjs';
import { EXAMPLE_STRATEGIES, botEnv, freqtradeBin, median, startEmulator } from './lib/freqtrade.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 10) throw new Error('--runs must be 1..10');

const M5 = 300_000;
const YEAR_CANDLES = 365 * 288;

/** A deterministic random walk (xorshift), one year of 5m candles ending at the last whole day. */
function yearCsv() {
  let x = 0x9e3779b9;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const end = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const t0 = end - YEAR_CANDLES * M5;
  const rows = ['timestamp,open,high,low,close,volume'];
  let price = 30_000;
  for (let i = 0; i < YEAR_CANDLES; i++) {
    const open = price;
    price = Math.max(100, price * (1 + (rand() - 0.5) * 0.004));
    const high = Math.max(open, price) * (1 + rand() * 0.001);
    const low = Math.min(open, price) * (1 - rand() * 0.001);
    rows.push(
      `${t0 + i * M5},${open.toFixed(2)},${high.toFixed(2)},${low.toFixed(2)},${price.toFixed(2)},${(10 + rand() * 5).toFixed(3)}`,
    );
  }
  return rows.join('\n');
}

header('BTC Watcher evaluation overhead benchmark (real freqtrade backtest, 1 pair, 1 year of 5m)');
const cleanup = new Cleanup({ deadlineMs: RUNS * 600_000 + 300_000 });
await runBench(cleanup, async () => {
  const bin = freqtradeBin();
  const emu = await startEmulator(cleanup, { preset: 'level-cross', symbols: ['BTCUSDT'] });
  const dataDir = tempDir(cleanup, 'btcw-bench-backtest-');
  const { app } = await startApp(cleanup, { dataDir, env: botEnv(bin, emu.url) });
  const token = await adminToken(app);
  out(`\nfreqtrade ${bin}; embedded PGlite; emulator ${emu.url}`);

  const fd = new FormData();
  for (const [k, v] of Object.entries({ name: 'year-5m', pair: 'BTC/USDT', timeframe: '5m' }))
    fd.append(k, v);
  fd.append('file', new Blob([yearCsv()]), 'year.csv');
  const r = new Response(fd);
  const payload = Buffer.from(await r.arrayBuffer());
  const up = await api(app, token, 'POST', '/data/upload', payload, {
    'content-type': r.headers.get('content-type'),
  });
  const upTask = await waitTask(app, token, up.task_id, 300_000);
  const dataset = await api(app, token, 'GET', `/data/datasets/${up.id}`);
  out(
    `dataset: ${dataset.row_count} candles, ${(payload.length / 1e6).toFixed(1)} MB CSV, processed in ${fmt((Date.parse(upTask.completed_at) - Date.parse(upTask.started_at)) / 1000)} s`,
  );

  mkdirSync(path.join(dataDir, 'strategies'), { recursive: true });
  copyFileSync(
    path.join(EXAMPLE_STRATEGIES, 'EmaCrossStrength.py'),
    path.join(dataDir, 'strategies', 'EmaCrossStrength.py'),
  );
  const strategy = await api(app, token, 'POST', '/strategies', {
    name: 'ema-cross',
    config: {
      strategy_class: 'EmaCrossStrength',
      strategy_file: 'EmaCrossStrength.py',
      timeframe: '5m',
      pair_whitelist: ['BTC/USDT'],
      exchange: 'binance',
    },
  });

  const rows = [];
  for (let i = 0; i < RUNS; i++) {
    const e = await api(app, token, 'POST', '/evaluations', {
      name: `bench ${i + 1}`,
      evaluation_type: 'backtest',
      strategy_id: strategy.id,
      dataset_id: dataset.id,
      config: { initial_capital: 10_000, stake_amount: 1000, fee: 0.001 },
    });
    const task = await waitTask(app, token, e.task_id, 600_000);
    const done = await api(app, token, 'GET', `/evaluations/${e.id}`);
    if (done.status !== 'completed')
      throw new Error(`evaluation ${e.id}: ${done.status} ${done.error_message}`);
    const totalS = (Date.parse(task.completed_at) - Date.parse(task.started_at)) / 1000;
    const ftS = done.results.freqtrade_seconds;
    rows.push({ totalS, ftS, overheadS: totalS - ftS, trades: done.results.total_trades });
    out(
      `run ${i + 1}: task ${fmt(totalS)} s, freqtrade ${fmt(ftS)} s, overhead ${fmt((totalS - ftS) * 1000, 0)} ms, ${done.results.total_trades} trades`,
    );
  }
  out(
    `\nmedian over ${RUNS}: task ${fmt(median(rows.map((x) => x.totalS)))} s, freqtrade ${fmt(median(rows.map((x) => x.ftS)))} s, overhead ${fmt(median(rows.map((x) => x.overheadS)) * 1000, 0)} ms (no target in the issue)`,
  );
});
