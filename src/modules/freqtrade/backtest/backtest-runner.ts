import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import type { JsonObject } from '../../../common/types/json.js';
import { runCommand } from '../../../infra/process/run-command.js';
import { redactSecrets } from '../bot/log-redaction.js';
import { writeParamsFile } from '../strategy-params-file.js';

export interface BacktestInput {
  bin: string;
  env: Record<string, string>;
  /** A fresh directory of this run's own: strategy/, user_data/, results/ and config.json go there. */
  workdir: string;
  strategyClass: string;
  /** The source of the strategy version to test. */
  source: string;
  /** The version's `parameters` (hyperopt spaces → values): written as freqtrade's parameter file. */
  parameters?: JsonObject | null;
  exchange: string;
  pairs: string[];
  timeframe: string;
  /** freqtrade's data directory for the exchange and its format (the dataset's). */
  datadir: string;
  dataFormat: 'json' | 'jsongz' | 'feather';
  /** `YYYYMMDD-YYYYMMDD` (either side may be empty). */
  timerange: string;
  stakeCurrency: string;
  stakeAmount: number | 'unlimited';
  startingBalance: number;
  maxOpenTrades: number;
  /** Fraction per side, e.g. 0.001; null: the exchange's. */
  fee: number | null;
  /** ccxt urls.api override (EXCHANGE_URL_OVERRIDES), and proxy keys: backtests still load markets. */
  ccxtConfig: JsonObject;
  signal?: AbortSignal;
  timeoutMs?: number;
  onLine?: (line: string) => void;
}

export interface BacktestOutput {
  /** freqtrade's per-strategy stats, as stored in its result file. */
  stats: JsonObject;
  /** Seconds freqtrade's own run took (process start to exit). */
  freqtradeSeconds: number;
  resultFile: string;
}

export class BacktestFailed extends Error {
  override name = 'BacktestFailed';
  constructor(
    message: string,
    readonly lastLines: string[],
  ) {
    super(message);
  }
}

/**
 * Runs `freqtrade backtesting` once, in its own directory, and reads the stats freqtrade stored.
 * `--cache none`: the default cache may reuse an older result and write no new file (reference §8.1).
 */
export async function runBacktest(i: BacktestInput): Promise<BacktestOutput> {
  const strategyDir = path.join(i.workdir, 'strategy');
  const userDir = path.join(i.workdir, 'user_data');
  const resultsDir = path.join(i.workdir, 'results');
  await rm(i.workdir, { recursive: true, force: true });
  // backtesting refuses a user_data_dir that does not exist, and treats a missing results dir as a file stem.
  for (const d of [strategyDir, userDir, resultsDir]) await mkdir(d, { recursive: true, mode: 0o700 });
  await writeFile(path.join(strategyDir, `${i.strategyClass}.py`), i.source);
  await writeParamsFile(strategyDir, i.strategyClass, i.parameters ?? null);
  const config = runConfig(i, strategyDir, userDir);
  const configFile = path.join(i.workdir, 'config.json');
  // May hold proxy credentials: only the owner reads it.
  await writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const args = [
    'backtesting',
    '--config',
    configFile,
    '--userdir',
    userDir,
    // The config's datadir is not honoured next to --userdir in 2025.8: name it on the command line.
    '--datadir',
    i.datadir,
    '--data-format-ohlcv',
    i.dataFormat,
    '--strategy',
    i.strategyClass,
    '--timerange',
    i.timerange,
    '--export',
    'trades',
    '--backtest-directory',
    resultsDir,
    '--cache',
    'none',
    '--no-color',
  ];
  if (i.fee !== null) args.push('--fee', String(i.fee));
  const started = performance.now();
  const r = await runCommand(i.bin, args, {
    env: { ...i.env, TZ: 'UTC', COLUMNS: '200' },
    cwd: i.workdir,
    signal: i.signal,
    timeoutMs: i.timeoutMs,
    keepLines: 80,
    onLine: (line) => i.onLine?.(redactSecrets(line)),
  });
  const freqtradeSeconds = (performance.now() - started) / 1000;
  const tail = r.tail.map(redactSecrets);
  if (r.aborted) throw new BacktestFailed('backtest cancelled', tail);
  if (r.timedOut)
    throw new BacktestFailed(`backtest timed out after ${Math.round((i.timeoutMs ?? 0) / 1000)} s`, tail);
  if (r.code !== 0) throw new BacktestFailed(`freqtrade backtesting failed: ${reasonOf(tail, r.code)}`, tail);

  const last = JSON.parse(await readFile(path.join(resultsDir, '.last_result.json'), 'utf8')) as {
    latest_backtest?: string;
  };
  if (!last.latest_backtest) throw new BacktestFailed('freqtrade wrote no backtest result', tail);
  const zipFile = path.join(resultsDir, last.latest_backtest);
  const files = unzipSync(new Uint8Array(await readFile(zipFile)));
  // The zip holds backtest-result-<dt>.json beside the config, the strategy copy and other files.
  const name = path.basename(zipFile).replace(/\.zip$/, '.json');
  if (!files[name]) throw new BacktestFailed(`no ${name} in ${last.latest_backtest}`, tail);
  const result = JSON.parse(strFromU8(files[name]!)) as { strategy?: Record<string, JsonObject> };
  const stats = result.strategy?.[i.strategyClass];
  if (!stats) throw new BacktestFailed(`the result holds no stats for ${i.strategyClass}`, tail);
  return { stats, freqtradeSeconds, resultFile: zipFile };
}

/** The data, market and wallet part of the config, as `freqtrade backtesting` and `hyperopt` read it. */
export type RunConfigInput = Pick<
  BacktestInput,
  | 'strategyClass'
  | 'exchange'
  | 'pairs'
  | 'timeframe'
  | 'datadir'
  | 'dataFormat'
  | 'stakeCurrency'
  | 'stakeAmount'
  | 'startingBalance'
  | 'maxOpenTrades'
  | 'ccxtConfig'
>;

export function runConfig(i: RunConfigInput, strategyDir: string, userDir: string): JsonObject {
  return {
    strategy: i.strategyClass,
    strategy_path: strategyDir,
    user_data_dir: userDir,
    datadir: i.datadir,
    dataformat_ohlcv: i.dataFormat,
    dry_run: true,
    timeframe: i.timeframe,
    stake_currency: i.stakeCurrency,
    stake_amount: i.stakeAmount,
    dry_run_wallet: i.startingBalance,
    max_open_trades: i.maxOpenTrades,
    entry_pricing: { price_side: 'same', use_order_book: false },
    exit_pricing: { price_side: 'same', use_order_book: false },
    exchange: {
      name: i.exchange,
      key: '',
      secret: '',
      pair_whitelist: i.pairs,
      pair_blacklist: [],
      only_from_ccxt: true,
      ccxt_config: { options: { fetchMarkets: { types: ['spot'] } }, ...i.ccxtConfig },
    },
    pairlists: [{ method: 'StaticPairList' }],
    internals: {},
  };
}

/** freqtrade's ERROR/CRITICAL lines say why; else the last lines. */
export function reasonOf(tail: string[], code: number | null): string {
  const errors = tail
    .filter((l) => / - (ERROR|CRITICAL) - /.test(l))
    .map((l) => l.replace(/^.* - (ERROR|CRITICAL) - /, ''));
  if (errors.length) return errors.slice(-3).join('; ');
  return `exit code ${code}: ${tail.slice(-3).join(' | ')}`;
}
