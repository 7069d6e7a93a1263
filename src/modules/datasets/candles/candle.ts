/** One OHLCV row. `t` is the candle's open time in ms; a price or volume cell may be missing (null). */
export interface Candle {
  t: number;
  o: number | null;
  h: number | null;
  l: number | null;
  c: number | null;
  v: number | null;
}

export const VALUE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;
export type ValueColumn = (typeof VALUE_COLUMNS)[number];
export const KEY_OF: Record<ValueColumn, 'o' | 'h' | 'l' | 'c' | 'v'> = {
  open: 'o',
  high: 'h',
  low: 'l',
  close: 'c',
  volume: 'v',
};

/** True when every value is present: a candle freqtrade can use. */
export function isComplete(c: Candle): boolean {
  return c.o !== null && c.h !== null && c.l !== null && c.c !== null && c.v !== null;
}
