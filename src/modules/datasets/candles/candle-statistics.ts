import { KEY_OF, VALUE_COLUMNS, type Candle, type ValueColumn } from './candle.js';

export interface ColumnSummary {
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (n − 1), as pandas' describe() gives it. */
  std: number | null;
  q25: number | null;
  q50: number | null;
  q75: number | null;
}

export interface CandleGap {
  /** Open time of the last candle before the gap and of the first after it. */
  after: string;
  before: string;
  missing_candles: number;
}

export interface CandleStatistics {
  numerical_summary: Record<ValueColumn, ColumnSummary>;
  missing_values: Record<'timestamp' | ValueColumn, number>;
  data_types: Record<'timestamp' | ValueColumn, 'datetime' | 'float64'>;
  candles: {
    first: string | null;
    last: string | null;
    timeframe_ms: number;
    expected_candles: number;
    gaps: CandleGap[];
    gap_count: number;
    missing_candles: number;
    duplicates: number;
    duplicate_examples: string[];
    misaligned: number;
    ohlc_violations: number;
    ohlc_violation_examples: { timestamp: string; reason: string }[];
  };
}

const MAX_EXAMPLES = 20;

/** Sorted by time (stable), as the dataset files store them. */
export function sortCandles(candles: Candle[]): Candle[] {
  return candles.slice().sort((a, b) => a.t - b.t);
}

/**
 * Everything the dataset page shows, in one pass plus a sort per column. `candles` must be sorted.
 * Quartiles use linear interpolation between order statistics (pandas' default), so the figures
 * match what a user computes in a notebook.
 */
export function candleStatistics(candles: Candle[], timeframeMs: number): CandleStatistics {
  const numerical = {} as Record<ValueColumn, ColumnSummary>;
  const missing = { timestamp: 0 } as Record<'timestamp' | ValueColumn, number>;
  for (const col of VALUE_COLUMNS) {
    const key = KEY_OF[col];
    const values = new Float64Array(candles.length);
    let n = 0;
    for (const c of candles) {
      const v = c[key];
      if (v !== null) values[n++] = v;
    }
    missing[col] = candles.length - n;
    numerical[col] = summarise(values.subarray(0, n));
  }

  const gaps: CandleGap[] = [];
  let missingCandles = 0;
  let duplicates = 0;
  let misaligned = 0;
  const duplicateExamples: string[] = [];
  const violations: { timestamp: string; reason: string }[] = [];
  let violationCount = 0;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    if (c.t % timeframeMs !== 0) misaligned++;
    if (i > 0) {
      const step = c.t - candles[i - 1]!.t;
      if (step === 0) {
        duplicates++;
        if (duplicateExamples.length < MAX_EXAMPLES) duplicateExamples.push(iso(c.t));
      } else if (step > timeframeMs) {
        const lost = Math.round(step / timeframeMs) - 1;
        if (lost > 0) {
          missingCandles += lost;
          gaps.push({ after: iso(candles[i - 1]!.t), before: iso(c.t), missing_candles: lost });
        }
      }
    }
    const reason = ohlcViolation(c);
    if (reason) {
      violationCount++;
      if (violations.length < MAX_EXAMPLES) violations.push({ timestamp: iso(c.t), reason });
    }
  }

  const first = candles[0]?.t ?? null;
  const last = candles.at(-1)?.t ?? null;
  return {
    numerical_summary: numerical,
    missing_values: missing,
    data_types: {
      timestamp: 'datetime',
      open: 'float64',
      high: 'float64',
      low: 'float64',
      close: 'float64',
      volume: 'float64',
    },
    candles: {
      first: first === null ? null : iso(first),
      last: last === null ? null : iso(last),
      timeframe_ms: timeframeMs,
      expected_candles: first === null || last === null ? 0 : Math.floor((last - first) / timeframeMs) + 1,
      gaps: gaps.slice(0, 100),
      gap_count: gaps.length,
      missing_candles: missingCandles,
      duplicates,
      duplicate_examples: duplicateExamples,
      misaligned,
      ohlc_violations: violationCount,
      ohlc_violation_examples: violations,
    },
  };
}

function ohlcViolation(c: Candle): string | null {
  const { o, h, l, c: close, v } = c;
  if (h !== null && l !== null && h < l) return `high ${h} < low ${l}`;
  if (h !== null && ((o !== null && o > h) || (close !== null && close > h)))
    return `open/close above high ${h}`;
  if (l !== null && ((o !== null && o < l) || (close !== null && close < l)))
    return `open/close below low ${l}`;
  if ([o, h, l, close].some((x) => x !== null && x <= 0)) return 'non-positive price';
  if (v !== null && v < 0) return `negative volume ${v}`;
  return null;
}

function summarise(values: Float64Array): ColumnSummary {
  const n = values.length;
  if (n === 0)
    return { count: 0, min: null, max: null, mean: null, std: null, q25: null, q50: null, q75: null };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  const sorted = Float64Array.from(values).sort();
  return {
    count: n,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    mean,
    std: n > 1 ? Math.sqrt(sq / (n - 1)) : null,
    q25: quantile(sorted, 0.25),
    q50: quantile(sorted, 0.5),
    q75: quantile(sorted, 0.75),
  };
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
