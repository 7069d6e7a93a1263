import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception.js';
import type { JsonObject } from '../../common/types/json.js';

export const STRATEGY_RUNTIME = Symbol('STRATEGY_RUNTIME');

/** Everything a runtime needs to run one version of a strategy. */
export interface StrategyRunSpec {
  strategyId: number;
  ownerId: number;
  name: string;
  version: string;
  config: JsonObject;
  parameters: JsonObject;
  /** The version's uploaded source, or null when it runs `sourceFile`. */
  source: string | null;
  /** Absolute path of the strategy file inside STRATEGIES_DIR, when not uploaded. */
  sourceFile: string | null;
}

/**
 * Runs strategies as processes. The strategies module owns the state machine; a runtime only
 * starts, stops and restarts. `start` resolves once the strategy runs, and rejects (with an
 * AppException) when it cannot.
 */
export interface StrategyRuntime {
  /** Rejects (503 FREQTRADE_NOT_INSTALLED, say) when nothing can be started at all. */
  ensureAvailable(): Promise<void>;
  start(spec: StrategyRunSpec): Promise<void>;
  stop(strategyId: number): Promise<void>;
  restart(spec: StrategyRunSpec): Promise<void>;
}

const notInstalled = () =>
  new AppException('FREQTRADE_NOT_INSTALLED', {
    hint: 'FreqTrade is not installed on this server yet: strategies can be created, edited and versioned, but not run',
  });

/** Honest about having nothing to run strategies with (no runtime module loaded). */
@Injectable()
export class UnavailableStrategyRuntime implements StrategyRuntime {
  ensureAvailable(): Promise<void> {
    return Promise.reject(notInstalled());
  }
  start(): Promise<void> {
    return Promise.reject(notInstalled());
  }
  stop(): Promise<void> {
    return Promise.reject(notInstalled());
  }
  restart(): Promise<void> {
    return Promise.reject(notInstalled());
  }
}

/**
 * The STRATEGY_RUNTIME the strategies module injects. The FreqTrade module (which depends on this
 * one, for the signal journal) plugs its runtime in at start-up; until then — or in a build
 * without it — every call answers 503 honestly.
 */
@Injectable()
export class StrategyRuntimeRegistry implements StrategyRuntime {
  private runtime: StrategyRuntime = new UnavailableStrategyRuntime();

  use(runtime: StrategyRuntime): void {
    this.runtime = runtime;
  }

  ensureAvailable(): Promise<void> {
    return this.runtime.ensureAvailable();
  }
  start(spec: StrategyRunSpec): Promise<void> {
    return this.runtime.start(spec);
  }
  stop(strategyId: number): Promise<void> {
    return this.runtime.stop(strategyId);
  }
  restart(spec: StrategyRunSpec): Promise<void> {
    return this.runtime.restart(spec);
  }
}
