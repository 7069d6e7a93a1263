import { AppException } from '../../common/errors/app.exception.js';
import type { JsonObject } from '../../common/types/json.js';

export interface Hyperparameters {
  epochs: number;
  early_stop?: number;
  analyze_per_epoch?: boolean;
  ignore_missing_spaces?: boolean;
  enable_protections?: boolean;
}

interface Rule {
  check: (v: unknown) => string | null;
  /** Only meaningful when this space is optimised. */
  space?: string;
}

const int = (min: number, max: number) => (v: unknown) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max
    ? null
    : `must be an integer ${min}–${max}`;
const bool = (v: unknown) => (typeof v === 'boolean' ? null : 'must be true or false');

/** freqtrade hyperopt's options a job may set; anything else is refused. */
const RULES: Record<string, Rule> = {
  epochs: { check: int(1, 10_000) },
  early_stop: { check: int(1, 10_000) },
  analyze_per_epoch: { check: bool },
  ignore_missing_spaces: { check: bool },
  enable_protections: { check: bool, space: 'protection' },
};

/** Validates `hyperparameters` against the chosen spaces; 400 VALIDATION_ERROR naming each bad key. */
export function validateHyperparameters(raw: JsonObject, spaces: string[]): Hyperparameters {
  const details: { field: string; message: string }[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const rule = RULES[k];
    if (!rule) {
      details.push({
        field: `hyperparameters.${k}`,
        message: `unknown; allowed: ${Object.keys(RULES).join(', ')}`,
      });
      continue;
    }
    const bad = rule.check(v);
    if (bad) details.push({ field: `hyperparameters.${k}`, message: bad });
    else if (rule.space && !spaces.includes(rule.space) && !spaces.includes('all'))
      details.push({ field: `hyperparameters.${k}`, message: `only with the ${rule.space} space` });
  }
  if (raw.epochs === undefined) details.push({ field: 'hyperparameters.epochs', message: 'required' });
  if (details.length) throw new AppException('VALIDATION_ERROR', details);
  return raw as unknown as Hyperparameters;
}
