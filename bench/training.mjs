#!/usr/bin/env node
// Training job cost: POST /training/jobs of a real freqtrade 2025.8 hyperopt (spaces buy sell,
// SharpeHyperOptLoss, 20 epochs, random_state 42, -j 1) of the test fixture MeanRevert (one buy and
// one sell parameter) on ten days of 5m candles (2,880, a seeded random walk uploaded as a dataset).
// Prints, per run and as medians:
//   - seconds per epoch: the median wall time between saved epochs (epochs 2..N, as the runner saw
//     them land in freqtrade's .fthypt file), and freqtrade's whole run divided by the epochs;
//   - runner overhead: the task's time (started → completed) minus the time the freqtrade process
//     ran — the slot claim, run directory and config, following the results file, one metrics row
//     and one job update per epoch, the result file;
//   - the POST's own latency (it asks freqtrade, in a Python child, whether the strategy can be
//     optimised before accepting the job).
//
//   npm run build                     # REQUIRED first: this measures dist/, not src/
//   node bench/training.mjs [--runs 3] [--epochs 20]
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  Cleanup,
  api,
  waitTask,
  ROOT,
  adminToken,
  fmt,
  header,
  out,
  runBench,
  startApp,
  tempDir,
} from './lib/common.mjs';
import { botEnv, freqtradeBin, median, startEmulator } from './lib/freqtrade.mjs';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, epochs: { type: 'string', default: '20' } },
});
const RUNS = Number(values.runs);
const EPOCHS = Number(values.epochs);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 10) throw new Error('--runs must be 1..10');
if (!Number.isInteger(EPOCHS) || EPOCHS < 2 || EPOCHS > 1000) throw new Error('--epochs must be 2..1000');

const M5 = 300_000;
const T0 = Date.UTC(2025, 0, 1);

/** The e2e test's candle file: 2,880 5m candles of a xorshift random walk. */
function candlesCsv() {
  let x = 0x9e3779b9;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const rows = ['timestamp,open,high,low,close,volume'];
  let p = 100;
  for (let i = 0; i < 2880; i++) {
    const o = p;
    p = p * (1 + (rand() - 0.5) * 0.01);
    rows.push(
      `${T0 + i * M5},${o.toFixed(4)},${(Math.max(o, p) * 1.001).toFixed(4)},${(Math.min(o, p) * 0.999).toFixed(4)},${p.toFixed(4)},${(10 + rand() * 5).toFixed(3)}`,
    );
  }
  return rows.join('\n');
}

header(`BTC Watcher training benchmark (real freqtrade hyperopt, ${EPOCHS} epochs, fixture MeanRevert)`);
const cleanup = new Cleanup({ deadlineMs: RUNS * 600_000 + 300_000 });
await runBench(cleanup, async () => {
  const bin = freqtradeBin();
  const emu = await startEmulator(cleanup, { preset: 'level-cross', symbols: ['BTCUSDT'] });
  const dataDir = tempDir(cleanup, 'btcw-bench-training-');
  const { app } = await startApp(cleanup, { dataDir, env: botEnv(bin, emu.url) });
  const token = await adminToken(app);
  out(`\nfreqtrade ${bin}; embedded PGlite; emulator ${emu.url}`);

  const fd = new FormData();
  for (const [k, v] of Object.entries({ name: 'walk', pair: 'BTC/USDT', timeframe: '5m' })) fd.append(k, v);
  fd.append('file', new Blob([candlesCsv()]), 'walk.csv');
  const r = new Response(fd);
  const up = await api(app, token, 'POST', '/data/upload', Buffer.from(await r.arrayBuffer()), {
    'content-type': r.headers.get('content-type'),
  });
  await waitTask(app, token, up.task_id, 120_000);

  mkdirSync(path.join(dataDir, 'strategies'), { recursive: true });
  copyFileSync(
    path.join(ROOT, 'test', 'fixtures', 'strategies', 'MeanRevert.py'),
    path.join(dataDir, 'strategies', 'MeanRevert.py'),
  );
  const strategy = await api(app, token, 'POST', '/strategies', {
    name: 'mean-revert',
    config: {
      strategy_class: 'MeanRevert',
      strategy_file: 'MeanRevert.py',
      timeframe: '5m',
      pair_whitelist: ['BTC/USDT'],
      exchange: 'binance',
    },
  });

  const rows = [];
  for (let i = 0; i < RUNS; i++) {
    const posted = performance.now();
    const created = await api(app, token, 'POST', '/training/jobs', {
      name: `bench ${i + 1}`,
      strategy_id: strategy.id,
      dataset_id: up.id,
      config: {
        spaces: ['buy', 'sell'],
        hyperopt_loss: 'SharpeHyperOptLoss',
        random_state: 42,
        min_trades: 1,
        stake_amount: 100,
        fee: 0,
      },
      hyperparameters: { epochs: EPOCHS },
    });
    const postS = (performance.now() - posted) / 1000;
    const task = await waitTask(app, token, created.task_id, 600_000);
    const job = await api(app, token, 'GET', `/training/jobs/${created.id}`);
    if (job.status !== 'completed') throw new Error(`job ${job.id}: ${job.status} ${job.error_message}`);
    const metrics = (await api(app, token, 'GET', `/training/jobs/${created.id}/metrics`)).metrics;
    const perEpoch = median(metrics.slice(1).map((m) => m.metrics.duration_s));
    const totalS = (Date.parse(task.completed_at) - Date.parse(task.started_at)) / 1000;
    const ftS = job.freqtrade_seconds;
    rows.push({ perEpoch, ftPerEpoch: ftS / metrics.length, totalS, ftS, overheadS: totalS - ftS, postS });
    out(
      `run ${i + 1}: ${metrics.length} epochs; ${fmt(perEpoch, 3)} s/epoch between saved epochs, ` +
        `${fmt(ftS / metrics.length, 3)} s/epoch incl. freqtrade start-up; task ${fmt(totalS)} s, ` +
        `freqtrade ${fmt(ftS)} s, runner overhead ${fmt((totalS - ftS) * 1000, 0)} ms; POST ${fmt(postS)} s`,
    );
  }
  const m = (k) => median(rows.map((x) => x[k]));
  out(
    `\nmedian over ${RUNS}: ${fmt(m('perEpoch'), 3)} s per epoch (${fmt(m('ftPerEpoch'), 3)} s with freqtrade's start-up), ` +
      `runner overhead ${fmt(m('overheadS') * 1000, 0)} ms per job (${fmt((m('overheadS') / EPOCHS) * 1000, 1)} ms per epoch), ` +
      `POST ${fmt(m('postS'))} s (no target in the issue)`,
  );
});
