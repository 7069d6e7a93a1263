import type { SignalKind } from './signal-classification.js';

export type { StrategySignalContext } from '../strategies/strategy-signal-context.js';

/** One signal column set to 1 on one candle, as the capture (or a test, or a benchmark) hands it over. */
export interface SignalCandidate {
  strategyId: number;
  pair: string;
  exchange: string;
  timeframe: string;
  /** The candle's open time. */
  candleTime: Date;
  kind: SignalKind;
  /** The strength column's value: may be missing, NaN or out of range. */
  strength?: unknown;
  price: number;
  indicators?: Record<string, number | null>;
  tag?: string | null;
  freqtradeVersion?: string | null;
}

export interface IngestResult {
  received: number;
  stored: number;
  duplicates: number;
  belowThreshold: number;
  unknownStrategy: number;
}
