import { Injectable } from '@nestjs/common';
import { StrategiesService } from '../strategies/strategies.service.js';
import type { StrategySignalContext } from '../strategies/strategy-signal-context.js';

/**
 * The strategies' signal contexts (owner, name, version, thresholds) as last read, so ingest does
 * not read them before every batch. It never decides on its own that they are current: the insert
 * that uses them checks their revisions against the strategies table in the same statement, and
 * when that check (or anything else) leaves a batch with nothing stored, ingest refreshes them and
 * compares. A new version, rename or delete therefore applies to the next signal, on every instance.
 */
@Injectable()
export class StrategyContextCache {
  private readonly known = new Map<number, StrategySignalContext>();

  constructor(private readonly strategies: StrategiesService) {}

  /**
   * The contexts of these strategies: cached ones as they were, the rest read now (unknown ids are
   * absent). `fresh` when all of them were read now.
   */
  async get(ids: number[]): Promise<{ contexts: Map<number, StrategySignalContext>; fresh: boolean }> {
    const missing = ids.filter((id) => !this.known.has(id));
    if (missing.length) this.remember(missing, await this.strategies.signalContexts(missing));
    return { contexts: this.pick(ids), fresh: missing.length === ids.length };
  }

  /** Reads these strategies again, remembers and returns them. */
  async refresh(ids: number[]): Promise<Map<number, StrategySignalContext>> {
    this.remember(ids, await this.strategies.signalContexts(ids));
    return this.pick(ids);
  }

  private remember(ids: number[], fresh: Map<number, StrategySignalContext>): void {
    // Unknown ids are not remembered: a strategy created later must be found at once.
    for (const id of ids) {
      const ctx = fresh.get(id);
      if (ctx) this.known.set(id, ctx);
      else this.known.delete(id);
    }
  }

  private pick(ids: number[]): Map<number, StrategySignalContext> {
    const out = new Map<number, StrategySignalContext>();
    for (const id of ids) {
      const ctx = this.known.get(id);
      if (ctx) out.set(id, ctx);
    }
    return out;
  }
}
