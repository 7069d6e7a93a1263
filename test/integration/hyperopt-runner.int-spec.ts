import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  HyperoptFailed,
  runHyperopt,
  type HyperoptInput,
} from '../../src/modules/freqtrade/hyperopt/hyperopt-runner.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'btcw-hyperopt-runner-'));

/**
 * A stand-in for the freqtrade executable that prints what freqtrade 2025.8 prints when another
 * hyperopt holds user_data/hyperopt.lock (lines copied from a real run against a held lock) and
 * exits 0, as freqtrade does. The real-freqtrade path is covered by test/e2e/training.
 */
function fakeBin(script: string): string {
  const bin = path.join(dir, `freqtrade-${Math.random().toString(36).slice(2)}`);
  writeFileSync(bin, `#!/bin/sh\n${script}\n`);
  chmodSync(bin, 0o755);
  return bin;
}

const input = (bin: string): HyperoptInput => ({
  bin,
  env: { PATH: '/usr/bin:/bin' },
  workdir: path.join(dir, 'run'),
  strategyClass: 'MeanRevert',
  source: 'class MeanRevert: pass\n',
  parameters: null,
  exchange: 'binance',
  pairs: ['BTC/USDT'],
  timeframe: '5m',
  datadir: dir,
  dataFormat: 'json',
  timerange: '',
  stakeCurrency: 'USDT',
  stakeAmount: 100,
  startingBalance: 1000,
  maxOpenTrades: 1,
  fee: null,
  ccxtConfig: {},
  spaces: ['buy'],
  loss: 'SharpeHyperOptLoss',
  epochs: 5,
  minTrades: 1,
  randomState: 1,
  jobs: 1,
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runHyperopt outcome', () => {
  it('fails a run that quit at once because another hyperopt holds the lock, although it exited 0', async () => {
    const bin = fakeBin(
      [
        "echo '2026-11-23 10:57:44,490 - freqtrade.commands.optimize_commands - INFO - Another running instance of freqtrade Hyperopt detected.' >&2",
        "echo '2026-11-23 10:57:44,491 - freqtrade.commands.optimize_commands - INFO - Quitting now.' >&2",
        'exit 0',
      ].join('\n'),
    );
    const err = await runHyperopt(input(bin)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HyperoptFailed);
    expect((err as HyperoptFailed).kind).toBe('locked');
    expect((err as HyperoptFailed).message).toMatch(/hyperopt\.lock/);
  });

  it('reads the epochs appended to the .fthypt file, and fails a clean exit that saved none', async () => {
    const line = JSON.stringify({
      loss: 1,
      params_dict: { buy_drop: 3 },
      params_details: { buy: { buy_drop: 3 } },
      params_not_optimized: {},
      results_metrics: { total_trades: 0 },
      results_explanation: '',
      total_profit: 0,
      current_epoch: 1,
      is_initial_point: true,
      is_best: false,
      is_random: false,
    });
    const seen: number[] = [];
    const bin = fakeBin(
      `f="$(dirname "$0")/run/user_data/hyperopt_results/strategy_MeanRevert_x.fthypt"\n` +
        `echo '${line}' >> "$f"; echo '${line.replace('"current_epoch":1', '"current_epoch":2')}' >> "$f"; exit 0`,
    );
    const err = await runHyperopt({
      ...input(bin),
      onEpoch: async (e) => void seen.push(e.current_epoch),
    }).catch((e: unknown) => e);
    expect(seen).toEqual([1, 2]);
    // No best epoch: the run succeeds without parameters.
    expect(err).toMatchObject({ epochs: 2, best: null, paramsFile: null });
    const none = await runHyperopt(input(fakeBin('exit 0'))).catch((e: unknown) => e);
    expect((none as Error).message).toBe('freqtrade hyperopt evaluated no epoch');
  });
});
