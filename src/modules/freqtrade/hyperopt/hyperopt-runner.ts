import { open, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject } from '../../../common/types/json.js';
import { runCommand } from '../../../infra/process/run-command.js';
import { reasonOf, runConfig, type RunConfigInput } from '../backtest/backtest-runner.js';
import { redactSecrets } from '../bot/log-redaction.js';
import { writeParamsFile } from '../strategy-params-file.js';
import { parseFthyptLine, type HyperoptEpoch } from './fthypt.js';

export const HYPEROPT_SPACES = [
  'buy',
  'sell',
  'roi',
  'stoploss',
  'trailing',
  'protection',
  'trades',
  'default',
] as const;
export type HyperoptSpace = (typeof HYPEROPT_SPACES)[number];

/** freqtrade 2025.8's built-in loss classes (reference §8.2). */
export const HYPEROPT_LOSSES = [
  'ShortTradeDurHyperOptLoss',
  'OnlyProfitHyperOptLoss',
  'SharpeHyperOptLoss',
  'SharpeHyperOptLossDaily',
  'SortinoHyperOptLoss',
  'SortinoHyperOptLossDaily',
  'CalmarHyperOptLoss',
  'MaxDrawDownHyperOptLoss',
  'MaxDrawDownRelativeHyperOptLoss',
  'MaxDrawDownPerPairHyperOptLoss',
  'ProfitDrawDownHyperOptLoss',
  'MultiMetricHyperOptLoss',
] as const;

export interface HyperoptInput extends RunConfigInput {
  bin: string;
  env: Record<string, string>;
  /** This run's own directory: strategy/, user_data/ and config.json go there (wiped first). */
  workdir: string;
  source: string;
  /** Parameters to start from (a parent job's best): written as the strategy's parameter file. */
  parameters: JsonObject | null;
  timerange: string;
  fee: number | null;
  spaces: HyperoptSpace[];
  loss: string;
  epochs: number;
  minTrades: number;
  randomState: number | null;
  /** freqtrade's -j. */
  jobs: number;
  earlyStop?: number;
  analyzePerEpoch?: boolean;
  ignoreMissingSpaces?: boolean;
  enableProtections?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
  onSpawn?: (pid: number) => void;
  onLine?: (line: string) => void;
  /** Each epoch as freqtrade appends it to its results file, in order; awaited before the next. */
  onEpoch?: (epoch: HyperoptEpoch) => Promise<void>;
}

export interface HyperoptOutput {
  /** Epochs freqtrade evaluated and saved (duplicates skipped by freqtrade are not counted). */
  epochs: number;
  best: HyperoptEpoch | null;
  /** freqtrade's exported parameter file of the best epoch, and its content; null without a best. */
  paramsFile: string | null;
  paramsFileContent: JsonObject | null;
  freqtradeSeconds: number;
  resultsFile: string | null;
  tail: string[];
}

export class HyperoptFailed extends Error {
  override name = 'HyperoptFailed';
  constructor(
    message: string,
    readonly lastLines: string[],
    readonly kind: 'failed' | 'locked' | 'cancelled' | 'timeout' = 'failed',
  ) {
    super(message);
  }
}

const POLL_MS = 200;
const LOCK_LINE = 'Another running instance of freqtrade Hyperopt detected.';

/**
 * Follows freqtrade's `.fthypt` results file: freqtrade appends one JSON line per evaluated epoch
 * (open, write, close), so complete lines are complete epochs. Progress comes from here, never
 * from the clock.
 */
class ResultsFollower {
  private file: string | null = null;
  private offset = 0;
  private rest = '';
  private chain: Promise<void> = Promise.resolve();
  readonly epochs: HyperoptEpoch[] = [];

  constructor(
    private readonly dir: string,
    private readonly onEpoch?: (e: HyperoptEpoch) => Promise<void>,
  ) {}

  get resultsFile(): string | null {
    return this.file;
  }

  /** Reads what was appended since the last call; serialised, so epochs are handed on in order. */
  poll(): Promise<void> {
    this.chain = this.chain.then(() => this.read());
    return this.chain;
  }

  private async read(): Promise<void> {
    if (!this.file) {
      const names = await readdir(this.dir).catch(() => [] as string[]);
      const found = names.find((n) => n.endsWith('.fthypt'));
      if (!found) return;
      this.file = path.join(this.dir, found);
    }
    const fh = await open(this.file, 'r');
    try {
      const { size } = await fh.stat();
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      await fh.read(buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.rest + buf.toString('utf8');
      const lines = text.split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const epoch = parseFthyptLine(line);
        this.epochs.push(epoch);
        await this.onEpoch?.(epoch);
      }
    } finally {
      await fh.close();
    }
  }
}

/**
 * Runs `freqtrade hyperopt` once in its own directory and follows its epochs as they are saved.
 * The best parameters come from the file freqtrade itself exports next to the strategy copy.
 */
export async function runHyperopt(i: HyperoptInput): Promise<HyperoptOutput> {
  const strategyDir = path.join(i.workdir, 'strategy');
  const userDir = path.join(i.workdir, 'user_data');
  const resultsDir = path.join(userDir, 'hyperopt_results');
  await rm(i.workdir, { recursive: true, force: true });
  for (const d of [strategyDir, resultsDir]) await mkdir(d, { recursive: true, mode: 0o700 });
  await writeFile(path.join(strategyDir, `${i.strategyClass}.py`), i.source);
  await writeParamsFile(strategyDir, i.strategyClass, i.parameters);
  const paramsFile = path.join(strategyDir, `${i.strategyClass}.json`);
  const configFile = path.join(i.workdir, 'config.json');
  // May hold proxy credentials: only the owner reads it.
  await writeFile(configFile, JSON.stringify(runConfig(i, strategyDir, userDir), null, 2), { mode: 0o600 });

  const args = [
    'hyperopt',
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
    '--hyperopt-loss',
    i.loss,
    '--epochs',
    String(i.epochs),
    '--spaces',
    ...i.spaces,
    '--min-trades',
    String(i.minTrades),
    '--job-workers',
    String(i.jobs),
    '--print-json',
    '--no-color',
  ];
  if (i.timerange) args.push('--timerange', i.timerange);
  if (i.randomState !== null) args.push('--random-state', String(i.randomState));
  if (i.fee !== null) args.push('--fee', String(i.fee));
  if (i.earlyStop) args.push('--early-stop', String(i.earlyStop));
  if (i.analyzePerEpoch) args.push('--analyze-per-epoch');
  if (i.ignoreMissingSpaces) args.push('--ignore-missing-spaces');
  if (i.enableProtections) args.push('--enable-protections');

  const follower = new ResultsFollower(resultsDir, i.onEpoch);
  let followErr: unknown = null;
  const timer = setInterval(() => {
    follower.poll().catch((err: unknown) => (followErr ??= err));
  }, POLL_MS);
  const started = performance.now();
  let r;
  try {
    r = await runCommand(i.bin, args, {
      env: { ...i.env, TZ: 'UTC', COLUMNS: '200' },
      cwd: i.workdir,
      signal: i.signal,
      timeoutMs: i.timeoutMs,
      keepLines: 80,
      onSpawn: i.onSpawn,
      onLine: (line) => i.onLine?.(redactSecrets(line)),
    });
  } finally {
    clearInterval(timer);
  }
  const freqtradeSeconds = (performance.now() - started) / 1000;
  // The epochs saved before the end (or the kill) are kept: read the rest of the file.
  await follower.poll().catch((err: unknown) => (followErr ??= err));
  const tail = r.tail.map(redactSecrets);
  if (followErr)
    throw new HyperoptFailed(`cannot read hyperopt results: ${(followErr as Error).message}`, tail);
  if (r.aborted) throw new HyperoptFailed('hyperopt cancelled', tail, 'cancelled');
  if (r.timedOut)
    throw new HyperoptFailed(
      `hyperopt timed out after ${Math.round((i.timeoutMs ?? 0) / 1000)} s`,
      tail,
      'timeout',
    );
  if (r.code !== 0) throw new HyperoptFailed(`freqtrade hyperopt failed: ${reasonOf(tail, r.code)}`, tail);
  // Exit 0 is not success: with another run holding user_data/hyperopt.lock it quits at once.
  if (tail.some((l) => l.includes(LOCK_LINE)))
    throw new HyperoptFailed(
      'another freqtrade hyperopt holds this run’s lock (user_data/hyperopt.lock); nothing was optimised',
      tail,
      'locked',
    );
  const epochs = follower.epochs;
  if (!epochs.length) throw new HyperoptFailed('freqtrade hyperopt evaluated no epoch', tail);
  let best: HyperoptEpoch | null = null;
  for (const e of epochs) if (e.is_best) best = e;
  let content: JsonObject | null = null;
  if (best) {
    // rapidjson NM_NAN may write NaN/Infinity in the parameter file too.
    const raw = await readFile(paramsFile, 'utf8').catch(() => null);
    if (raw === null)
      throw new HyperoptFailed('freqtrade exported no parameter file for the best epoch', tail);
    content = JSON.parse(raw.replace(/\bNaN\b|-?\bInfinity\b/g, 'null')) as JsonObject;
  }
  return {
    epochs: epochs.length,
    best,
    paramsFile: best ? paramsFile : null,
    paramsFileContent: content,
    freqtradeSeconds,
    resultsFile: follower.resultsFile,
    tail,
  };
}
