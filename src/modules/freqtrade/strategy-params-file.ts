import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject } from '../../common/types/json.js';

/** The sections of freqtrade's parameter file (HyperStrategyMixin reads these keys of `params`). */
export const PARAM_FILE_SPACES = [
  'buy',
  'sell',
  'protection',
  'roi',
  'stoploss',
  'trailing',
  'max_open_trades',
] as const;

/**
 * The parameter file freqtrade loads from `<strategy file>.json` next to the strategy source
 * (strategy/hyper.py): `{strategy_name, params, ft_stratparam_v, export_time}`, or null when the
 * version's `parameters` hold none of freqtrade's sections (then the strategy's own defaults apply).
 */
export function paramsFileContent(strategyClass: string, parameters: JsonObject | null): JsonObject | null {
  if (!parameters) return null;
  const params = Object.fromEntries(
    PARAM_FILE_SPACES.filter((k) => parameters[k] !== undefined).map((k) => [k, parameters[k]!]),
  );
  if (!Object.keys(params).length) return null;
  return {
    strategy_name: strategyClass,
    params,
    ft_stratparam_v: 1,
    export_time: new Date().toISOString(),
  };
}

/**
 * Writes (or removes) the parameter file beside `<strategyFileStem>.py` in a run's own strategy
 * directory, so a bot, a backtest or a hyperopt runs the version's parameters, not only its source.
 */
export async function writeParamsFile(
  strategyDir: string,
  strategyClass: string,
  parameters: JsonObject | null,
  strategyFileStem = strategyClass,
): Promise<void> {
  const file = path.join(strategyDir, `${strategyFileStem}.json`);
  const content = paramsFileContent(strategyClass, parameters);
  if (content) await writeFile(file, JSON.stringify(content, null, 2));
  else await rm(file, { force: true });
}
