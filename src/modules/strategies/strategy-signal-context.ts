/** What the signal journal needs to know about a strategy to classify its signals. */
export interface StrategySignalContext {
  ownerId: number;
  name: string;
  version: string;
  thresholds: { strong_threshold: number; medium_threshold: number; weak_threshold: number };
  defaultStrength: number;
  /** The strategy row's revision when this was read: it grows with every change to the row. */
  revision: number;
}
