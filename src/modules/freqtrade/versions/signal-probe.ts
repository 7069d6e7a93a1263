import path from 'node:path';
import { runCommand } from '../../../infra/process/run-command.js';

/**
 * Run with a venv's own python: loads the strategy through freqtrade's resolver from the given
 * config (what backtesting does), starts it with a data provider on the cached candles, analyses
 * every pair's whole history and prints the candles that carry signals. Failures print freqtrade's
 * own exception. The answer is the one line starting with the marker; logs go to stderr.
 */
export const PROBE_SCRIPT = `
import json, sys, traceback
MARK = "BTCW-PROBE "
def emit(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\\n")
    sys.stdout.flush()
try:
    from pathlib import Path
    from freqtrade.configuration import Configuration
    from freqtrade.data.dataprovider import DataProvider
    from freqtrade.data.history import load_pair_history
    from freqtrade.resolvers import StrategyResolver
    config = Configuration.from_files([sys.argv[1]])
    strategy = StrategyResolver.load_strategy(config)
except BaseException as e:
    emit({"stage": "load", "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-2000:]})
    sys.exit(0)
out = {"interface_version": getattr(strategy, "INTERFACE_VERSION", None), "timeframe": strategy.timeframe,
       "startup_candle_count": int(getattr(strategy, "startup_candle_count", 0) or 0), "pairs": {}}
if len(sys.argv) > 2 and sys.argv[2] == "describe":
    emit(out)
    sys.exit(0)
try:
    strategy.dp = DataProvider(config, None)
    strategy.ft_bot_start()
    datadir = Path(sys.argv[3])
    fmt = config.get("dataformat_ohlcv", "feather")
    for pair in config["exchange"]["pair_whitelist"]:
        df = load_pair_history(pair=pair, timeframe=strategy.timeframe, datadir=datadir, data_format=fmt)
        df = df.tail(int(sys.argv[4]) + out["startup_candle_count"]).reset_index(drop=True)
        if df.empty:
            out["pairs"][pair] = {"candles": 0, "signals": []}
            continue
        res = strategy.analyze_ticker(df.copy(), {"pair": pair})
        cols = [c for c in ("enter_long", "exit_long", "enter_short", "exit_short") if c in res.columns]
        signals = []
        for _, row in res.iterrows():
            kinds = [c for c in cols if row[c] == 1]
            if kinds:
                signals.append([int(row["date"].timestamp() * 1000), kinds])
        out["pairs"][pair] = {"candles": int(len(res)), "signals": signals}
except BaseException as e:
    emit({"stage": "run", "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-2000:],
          "interface_version": out["interface_version"]})
    sys.exit(0)
emit(out)
`;

export interface ProbeSignals {
  interface_version: number | null;
  timeframe: string;
  startup_candle_count: number;
  pairs: Record<string, { candles: number; signals: [number, string[]][] }>;
}

export type ProbeResult =
  | ({ ok: true } & ProbeSignals)
  | { ok: false; stage: 'load' | 'run' | 'process'; error: string; interface_version: number | null };

/** Runs the probe with `bin`'s venv python against a config file and the last `candles` (plus the strategy's startup candles) in `datadir`. */
export async function runProbe(
  bin: string,
  configFile: string,
  mode: 'describe' | 'signals',
  datadir: string,
  candles: number,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const python = path.join(path.dirname(bin), 'python');
  const r = await runCommand(python, ['-c', PROBE_SCRIPT, configFile, mode, datadir, String(candles)], {
    env: { ...env, TZ: 'UTC', COLUMNS: '100000' },
    cwd: path.dirname(configFile),
    timeoutMs: 300_000,
    keepLines: 40,
    signal,
  });
  const line = r.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('BTCW-PROBE '));
  if (!line) {
    return {
      ok: false,
      stage: 'process',
      error: `the probe ended without an answer (exit ${r.code ?? r.signal}): ${r.tail.slice(-5).join(' | ')}`,
      interface_version: null,
    };
  }
  const doc = JSON.parse(line.slice('BTCW-PROBE '.length)) as Record<string, unknown>;
  if (typeof doc.error === 'string') {
    return {
      ok: false,
      stage: doc.stage === 'load' ? 'load' : 'run',
      error: doc.error.slice(0, 2000),
      interface_version: typeof doc.interface_version === 'number' ? doc.interface_version : null,
    };
  }
  return { ok: true, ...(doc as unknown as ProbeSignals) };
}

export interface SignalDiff {
  pair: string;
  date: string;
  current: string[];
  target: string[];
}

/** Candle-by-candle comparison of two probes' signals; the first `limit` differences, and how many. */
export function diffSignals(
  a: ProbeSignals['pairs'],
  b: ProbeSignals['pairs'],
  limit = 10,
): { differences: SignalDiff[]; count: number } {
  const differences: SignalDiff[] = [];
  let count = 0;
  for (const pair of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const left = new Map((a[pair]?.signals ?? []).map(([t, k]) => [t, [...k].sort().join(',')]));
    const right = new Map((b[pair]?.signals ?? []).map(([t, k]) => [t, [...k].sort().join(',')]));
    const times = [...new Set([...left.keys(), ...right.keys()])].sort((x, y) => x - y);
    for (const t of times) {
      const l = left.get(t) ?? '';
      const r = right.get(t) ?? '';
      if (l === r) continue;
      count++;
      if (differences.length < limit)
        differences.push({
          pair,
          date: new Date(t).toISOString(),
          current: l ? l.split(',') : [],
          target: r ? r.split(',') : [],
        });
    }
  }
  return { differences, count };
}
