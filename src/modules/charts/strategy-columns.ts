import { NOT_INDICATORS, type DataFrameRow } from '../freqtrade/capture/analyzed-df.js';
import type { KlineRange } from './bot-kline-plan.js';

/**
 * The rows of an analysed series a chart request asks for (MarketData's semantics, on the rows the
 * bot holds: from `start` the first `limit`, otherwise the last `limit` up to `end`).
 */
export function windowOf(
  series: { dates: number[]; rows: DataFrameRow[] },
  req: KlineRange,
  now: number,
): DataFrameRow[] {
  const end = Math.min(req.end ?? now, now);
  let from = 0;
  let to = series.dates.length;
  while (to > 0 && series.dates[to - 1]! > end) to--;
  if (req.start !== undefined) {
    while (from < to && series.dates[from]! < req.start) from++;
    to = Math.min(to, from + req.limit);
  } else {
    from = Math.max(0, to - req.limit);
  }
  return series.rows.slice(from, to);
}

/**
 * The strategy's own columns: every column that is not OHLCV, a signal or a tag and holds numbers
 * (NaN and infinities arrive as null and stay null), one value per row, in the dataframe's order.
 * Text and boolean columns are left out: a chart cannot draw them as lines.
 */
export function strategyColumns(rows: DataFrameRow[]): Record<string, (number | null)[]> {
  const names = new Set<string>();
  for (const row of rows) for (const c of Object.keys(row)) if (!NOT_INDICATORS.has(c)) names.add(c);
  const out: Record<string, (number | null)[]> = {};
  for (const name of names) {
    let numbers = 0;
    const values: (number | null)[] = [];
    for (const row of rows) {
      const v = row[name];
      if (typeof v === 'number') {
        numbers++;
        values.push(Number.isFinite(v) ? v : null);
      } else if (v === null || v === undefined) values.push(null);
      else break;
    }
    if (values.length === rows.length && numbers > 0) out[name] = values;
  }
  return out;
}
