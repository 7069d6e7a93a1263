import { AppException } from '../../src/common/errors/app.exception.js';
import type { StrategyRunSpec, StrategyRuntime } from '../../src/modules/strategies/strategy-runtime.port.js';

/**
 * The StrategyRuntime port without processes: records what it was asked to do and can be told to
 * fail. Tests of the state machine use it; the real runtime is tested against real freqtrade.
 */
export class FakeStrategyRuntime implements StrategyRuntime {
  available = true;
  running = new Map<number, StrategyRunSpec>();
  calls: { op: 'start' | 'stop' | 'restart'; strategyId: number; version?: string }[] = [];
  /** The next start (or restart) rejects with this. */
  failNext?: Error;

  ensureAvailable(): Promise<void> {
    return this.available ? Promise.resolve() : Promise.reject(new AppException('FREQTRADE_NOT_INSTALLED'));
  }

  start(spec: StrategyRunSpec): Promise<void> {
    this.calls.push({ op: 'start', strategyId: spec.strategyId, version: spec.version });
    return this.take() ?? (this.running.set(spec.strategyId, spec), Promise.resolve());
  }

  stop(strategyId: number): Promise<void> {
    this.calls.push({ op: 'stop', strategyId });
    this.running.delete(strategyId);
    return Promise.resolve();
  }

  restart(spec: StrategyRunSpec): Promise<void> {
    this.calls.push({ op: 'restart', strategyId: spec.strategyId, version: spec.version });
    return this.take() ?? (this.running.set(spec.strategyId, spec), Promise.resolve());
  }

  private take(): Promise<void> | undefined {
    const err = this.failNext;
    this.failNext = undefined;
    return err ? Promise.reject(err) : undefined;
  }
}
