import { Injectable } from '@nestjs/common';

export interface StrategySignalStats {
  count24h: number;
  lastSignalTime: Date | null;
}

export type SignalStatsSource = (strategyIds: number[]) => Promise<Map<number, StrategySignalStats>>;

/**
 * Where strategy responses get signal_count_24h and last_signal_time. The signals module (which
 * depends on this one) plugs its hot window in at start-up; without it every count is zero, which
 * is the truth when there is no signal journal.
 */
@Injectable()
export class StrategySignalStatsRegistry {
  private source?: SignalStatsSource;

  use(source: SignalStatsSource): void {
    this.source = source;
  }

  async for(ids: number[]): Promise<Map<number, StrategySignalStats>> {
    return this.source && ids.length ? this.source(ids) : new Map();
  }
}
