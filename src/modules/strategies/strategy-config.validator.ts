import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception.js';
import type { FieldError } from '../../common/validation/validation.pipe.js';
import { ExchangeCatalog } from '../../infra/exchange/exchange-catalog.js';
import { DEFAULT_THRESHOLDS } from './dto/strategy-config.dto.js';
import { StrategyFilesService, sha256, strategyClassesIn } from './strategy-files.service.js';
import type { JsonObject } from '../../common/types/json.js';

/** A complete, checked config with defaults filled in, and the source it runs. */
export interface ValidatedConfig {
  config: JsonObject;
  /** Hash of the source the config runs (uploaded source, or the strategy file's current content). */
  sourceHash: string;
}

const REQUIRED = ['strategy_class', 'timeframe', 'pair_whitelist'] as const;

/** A config as it is stored: the given keys over the defaults. */
export function applyConfigDefaults(raw: JsonObject): JsonObject {
  return {
    exchange: 'binance',
    signal_thresholds: { ...DEFAULT_THRESHOLDS },
    strength_column: 'signal_strength',
    default_strength: 50,
    ...raw,
  };
}

/**
 * The full rules a config must pass before a strategy can run: required fields, thresholds in
 * order, one quote currency, a known exchange, and a strategy class that the file or uploaded
 * source actually defines. The DTO has already checked the types.
 */
@Injectable()
export class StrategyConfigValidator {
  constructor(
    private readonly files: StrategyFilesService,
    private readonly exchanges: ExchangeCatalog,
  ) {}

  async validate(raw: JsonObject, source: string | null): Promise<ValidatedConfig> {
    const config = applyConfigDefaults(raw);
    const problems: FieldError[] = [];
    for (const key of REQUIRED) {
      if (config[key] === undefined) problems.push({ field: `config.${key}`, message: `${key} is required` });
    }
    if (config.strategy_file === undefined && source === null) {
      problems.push({
        field: 'config.strategy_file',
        message: 'strategy_file is required unless the source is uploaded',
      });
    }
    const t = config.signal_thresholds as {
      strong_threshold: number;
      medium_threshold: number;
      weak_threshold: number;
    };
    if (!(t.strong_threshold > t.medium_threshold && t.medium_threshold > t.weak_threshold)) {
      problems.push({
        field: 'config.signal_thresholds',
        message: 'thresholds must satisfy strong > medium > weak',
      });
    }
    if (!(await this.exchanges.has(String(config.exchange)))) {
      problems.push({ field: 'config.exchange', message: `unknown exchange ${String(config.exchange)}` });
    }
    if (problems.length) throw new AppException('VALIDATION_ERROR', problems);

    const pairs = config.pair_whitelist as string[];
    const quotes = [...new Set(pairs.map((p) => p.split('/')[1]))];
    if (quotes.length > 1) {
      // A freqtrade bot has one stake currency and silently drops pairs quoted in any other.
      throw new AppException('MIXED_QUOTE_CURRENCIES', { quotes });
    }

    const code = source ?? (await this.files.read(String(config.strategy_file)));
    const className = String(config.strategy_class);
    const defined = strategyClassesIn(code);
    if (!defined.includes(className)) {
      throw new AppException('STRATEGY_CLASS_NOT_FOUND', { strategy_class: className, defined });
    }
    return { config, sourceHash: sha256(code) };
  }
}
