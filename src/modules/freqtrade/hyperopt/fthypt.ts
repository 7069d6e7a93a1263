import type { JsonObject } from '../../../common/types/json.js';

/** One epoch as freqtrade appends it to its `.fthypt` results file (JSON Lines, reference §8.2). */
export interface HyperoptEpoch {
  loss: number;
  params_dict: JsonObject;
  params_details: Record<string, JsonObject>;
  params_not_optimized: Record<string, JsonObject>;
  results_metrics: JsonObject;
  results_explanation: string;
  total_profit: number;
  current_epoch: number;
  is_initial_point: boolean;
  is_best: boolean;
  is_random: boolean;
}

/** freqtrade's loss for an epoch with fewer trades than min_trades (hyperopt_optimizer MAX_LOSS). */
export const HYPEROPT_MAX_LOSS = 100_000;

/**
 * freqtrade writes the file with rapidjson's NM_NAN: bare `NaN`, `Infinity` and `-Infinity` tokens
 * may appear where JSON has none. They become null (outside strings only).
 */
export function parseFthyptLine(line: string): HyperoptEpoch {
  let out = '';
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += line[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (line.startsWith('NaN', i)) {
      out += 'null';
      i += 2;
    } else if (line.startsWith('-Infinity', i)) {
      out += 'null';
      i += 8;
    } else if (line.startsWith('Infinity', i)) {
      out += 'null';
      i += 7;
    } else out += c;
  }
  const e = JSON.parse(out) as HyperoptEpoch;
  if (typeof e.current_epoch !== 'number' || typeof e.is_best !== 'boolean')
    throw new SyntaxError('not a hyperopt epoch (fthypt_fileversion 2)');
  return e;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pct = (v: unknown): number | null => {
  const n = num(v);
  return n === null ? null : Math.round(n * 100 * 1e6) / 1e6;
};

/**
 * The figures a training epoch records, all from freqtrade's own stats of that epoch's backtest:
 * loss (the objective), total profit %, trades, win rate, average profit %, max drawdown %
 * (account), and the best flag freqtrade set. `duration_s` is the wall time the epoch took.
 */
export function epochMetrics(e: HyperoptEpoch, durationS: number | null): JsonObject {
  const m = e.results_metrics;
  return {
    loss: num(e.loss),
    total_profit_pct: pct(m.profit_total),
    total_profit_abs: num(m.profit_total_abs),
    trades: num(m.total_trades) ?? 0,
    win_rate: num(m.winrate),
    avg_profit_pct: pct(m.profit_mean),
    max_drawdown_pct: pct(m.max_drawdown_account),
    duration_s: durationS === null ? null : Math.round(durationS * 1000) / 1000,
    is_best: e.is_best,
    params: e.params_dict,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** freqtrade's misc.deep_merge_dicts: `source` wins over `destination`, nested objects merged. */
export function deepMerge(source: Record<string, unknown>, destination: Record<string, unknown>): JsonObject {
  const out: Record<string, unknown> = { ...destination };
  for (const [k, v] of Object.entries(source)) {
    out[k] = isObject(v) && isObject(out[k]) ? deepMerge(v, out[k] as Record<string, unknown>) : v;
  }
  return out as JsonObject;
}

/**
 * The `params` of the parameter file freqtrade exports for an epoch (HyperoptTools.export_params):
 * the optimised values over the ones loaded from the strategy.
 */
export function epochParams(e: HyperoptEpoch): JsonObject {
  return deepMerge(e.params_details, e.params_not_optimized);
}
