import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../../infra/process/run-command.js';

/**
 * Asks the installed freqtrade, before a job is accepted, whether it can optimise this strategy:
 * are the hyperopt extras importable, and does the strategy define optimisable parameters for each
 * chosen parameter space? The reason is freqtrade's own (HyperOptAuto's message).
 */
const SCRIPT = String.raw`
import json, sys
req = json.loads(sys.argv[1])
missing = []
for mod in ("scipy", "sklearn", "optuna", "cmaes", "filelock"):
    try:
        __import__(mod)
    except ImportError:
        missing.append(mod)
if missing:
    print(json.dumps({"missing_extras": missing}))
    sys.exit(0)
from pathlib import Path
from freqtrade.exceptions import OperationalException
from freqtrade.resolvers import StrategyResolver
from freqtrade.optimize.hyperopt.hyperopt_auto import _format_exception_message
from freqtrade.optimize.hyperopt_tools import HyperoptTools
config = {
    "strategy": req["strategy"],
    "strategy_path": req["strategy_path"],
    "user_data_dir": Path(req["strategy_path"]),
    "stake_currency": "USDT",
    "dry_run": True,
    "spaces": req["spaces"],
}
try:
    strategy = StrategyResolver.load_strategy(config)
except OperationalException as err:
    print(json.dumps({"load_error": str(err)}))
    sys.exit(0)
# What ft_bot_start does in hyperopt mode: collect the parameters of each space.
strategy.ft_load_hyper_params(True)
found = {}
reasons = []
for space in ("buy", "sell", "protection"):
    if not HyperoptTools.has_space(config, space):
        continue
    names = [name for name, p in strategy.enumerate_parameters(space) if p.optimize]
    found[space] = names
    if not names:
        try:
            _format_exception_message(space, False)
        except OperationalException as err:
            reasons.append(str(err))
print(json.dumps({"parameters": found, "reasons": reasons}))
`;

export type PreflightResult =
  | { kind: 'ok'; parameters: Record<string, string[]> }
  | { kind: 'missing_extras'; modules: string[] }
  | { kind: 'not_optimisable'; reasons: string[]; parameters: Record<string, string[]> }
  | { kind: 'load_error'; message: string };

export async function hyperoptPreflight(i: {
  bin: string;
  env: Record<string, string>;
  strategyClass: string;
  source: string;
  spaces: string[];
}): Promise<PreflightResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'btcw-hyperopt-check-'));
  try {
    await writeFile(path.join(dir, `${i.strategyClass}.py`), i.source);
    const python = path.join(path.dirname(i.bin), 'python');
    const req = JSON.stringify({ strategy: i.strategyClass, strategy_path: dir, spaces: i.spaces });
    const r = await runCommand(python, ['-c', SCRIPT, req], {
      env: { ...i.env, TZ: 'UTC' },
      cwd: dir,
      timeoutMs: 120_000,
      keepLines: 40,
    });
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    let out: {
      missing_extras?: string[];
      load_error?: string;
      parameters?: Record<string, string[]>;
      reasons?: string[];
    };
    try {
      out = JSON.parse(last) as typeof out;
    } catch {
      return { kind: 'load_error', message: reasonOfTail(r.tail) };
    }
    if (out.missing_extras) return { kind: 'missing_extras', modules: out.missing_extras };
    if (out.load_error !== undefined) return { kind: 'load_error', message: out.load_error };
    if (out.reasons?.length)
      return { kind: 'not_optimisable', reasons: out.reasons, parameters: out.parameters ?? {} };
    return { kind: 'ok', parameters: out.parameters ?? {} };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function reasonOfTail(tail: string[]): string {
  const err = [...tail].reverse().find((l) => /Error|Exception/.test(l));
  return (err ?? tail.at(-1) ?? 'the strategy could not be loaded').slice(0, 500);
}
