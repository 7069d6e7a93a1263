import { KEY_OF, VALUE_COLUMNS, type Candle, type ValueColumn } from './candle.js';

export const PREPROCESS_OPERATIONS = ['fill_missing', 'drop_duplicates', 'resample', 'normalize'] as const;
export type PreprocessOperation =
  | { type: 'fill_missing'; method: 'forward_fill' | 'drop' | 'interpolate'; columns: ValueColumn[] }
  | { type: 'drop_duplicates'; keep: 'first' | 'last' }
  | { type: 'resample'; timeframe: string }
  | { type: 'normalize'; method: 'min_max' | 'z_score'; columns: ValueColumn[] };

export interface PreprocessResult {
  candles: Candle[];
  timeframe: string;
  /** Prices are no longer prices: freqtrade must not backtest it. */
  normalized: boolean;
  /** One line per operation, stored with the derived dataset. */
  log: string[];
}

export class PreprocessError extends Error {
  override name = 'PreprocessError';
}

/** Validates a request body's operations; every problem is named at once. */
export function parseOperations(
  raw: unknown,
  timeframeMsOf: (tf: string) => number | null,
): PreprocessOperation[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new PreprocessError('operations must be a non-empty array');
  if (raw.length > 20) throw new PreprocessError('at most 20 operations');
  const problems: string[] = [];
  const ops: PreprocessOperation[] = [];
  raw.forEach((item: unknown, i) => {
    const at = `operations[${i}]`;
    if (item === null || typeof item !== 'object') return void problems.push(`${at} must be an object`);
    const o = item as Record<string, unknown>;
    const columns = (): ValueColumn[] => {
      if (o.columns === undefined) return [...VALUE_COLUMNS];
      if (!Array.isArray(o.columns) || o.columns.length === 0) {
        problems.push(`${at}.columns must be a non-empty array`);
        return [];
      }
      const unknown = o.columns.filter((c) => !(VALUE_COLUMNS as readonly unknown[]).includes(c));
      if (unknown.length)
        problems.push(
          `${at}.columns: unknown column(s) ${unknown.join(', ')}; columns are ${VALUE_COLUMNS.join(', ')}`,
        );
      return o.columns as ValueColumn[];
    };
    const oneOf = <T extends string>(field: string, allowed: readonly T[], fallback?: T): T => {
      const v = o[field] ?? fallback;
      if (!allowed.includes(v as T)) problems.push(`${at}.${field} must be one of ${allowed.join(', ')}`);
      return v as T;
    };
    switch (o.type) {
      case 'fill_missing':
        ops.push({
          type: 'fill_missing',
          method: oneOf('method', ['forward_fill', 'drop', 'interpolate'] as const),
          columns: columns(),
        });
        break;
      case 'drop_duplicates':
        ops.push({ type: 'drop_duplicates', keep: oneOf('keep', ['first', 'last'] as const, 'first') });
        break;
      case 'resample': {
        const tf = typeof o.timeframe === 'string' ? o.timeframe : '';
        if (timeframeMsOf(tf) === null)
          problems.push(`${at}.timeframe must be a freqtrade timeframe such as 1h`);
        ops.push({ type: 'resample', timeframe: tf });
        break;
      }
      case 'normalize':
        ops.push({
          type: 'normalize',
          method: oneOf('method', ['min_max', 'z_score'] as const),
          columns: columns(),
        });
        break;
      default:
        problems.push(`${at}.type must be one of ${PREPROCESS_OPERATIONS.join(', ')}`);
    }
  });
  if (problems.length) throw new PreprocessError(problems.join('; '));
  return ops;
}

/** Applies the operations in order to a copy; the input is never modified. `candles` sorted by time. */
export function applyOperations(
  input: Candle[],
  timeframe: string,
  ops: PreprocessOperation[],
  timeframeMsOf: (tf: string) => number | null,
): PreprocessResult {
  let candles = input.map((c) => ({ ...c }));
  let tf = timeframe;
  let normalized = false;
  const log: string[] = [];
  for (const op of ops) {
    const before = candles.length;
    switch (op.type) {
      case 'fill_missing':
        candles = fillMissing(candles, op.method, op.columns);
        log.push(`fill_missing ${op.method} on ${op.columns.join(',')}: ${before} → ${candles.length} rows`);
        break;
      case 'drop_duplicates':
        candles = dropDuplicates(candles, op.keep);
        log.push(`drop_duplicates keep=${op.keep}: removed ${before - candles.length}`);
        break;
      case 'resample': {
        const from = timeframeMsOf(tf)!;
        const to = timeframeMsOf(op.timeframe)!;
        if (to <= from || (op.timeframe !== '1M' && to % from !== 0)) {
          throw new PreprocessError(`resample: ${op.timeframe} is not a multiple of the dataset's ${tf}`);
        }
        candles = resample(candles, op.timeframe, to);
        log.push(`resample ${tf} → ${op.timeframe}: ${before} → ${candles.length} candles`);
        tf = op.timeframe;
        break;
      }
      case 'normalize':
        candles = normalize(candles, op.method, op.columns);
        normalized = true;
        log.push(`normalize ${op.method} on ${op.columns.join(',')}`);
        break;
    }
  }
  return { candles, timeframe: tf, normalized, log };
}

function fillMissing(
  candles: Candle[],
  method: 'forward_fill' | 'drop' | 'interpolate',
  columns: ValueColumn[],
): Candle[] {
  const keys = columns.map((c) => KEY_OF[c]);
  if (method === 'drop') return candles.filter((c) => keys.every((k) => c[k] !== null));
  for (const k of keys) {
    if (method === 'forward_fill') {
      let last: number | null = null;
      for (const c of candles) {
        if (c[k] === null) c[k] = last;
        else last = c[k];
      }
    } else {
      // Linear in time between the nearest known values; leading and trailing gaps stay missing.
      let prev = -1;
      for (let i = 0; i < candles.length; i++) {
        if (candles[i]![k] === null) continue;
        if (prev >= 0 && i - prev > 1) {
          const a = candles[prev]!;
          const b = candles[i]!;
          for (let j = prev + 1; j < i; j++) {
            const f = (candles[j]!.t - a.t) / (b.t - a.t);
            candles[j]![k] = a[k]! + (b[k]! - a[k]!) * f;
          }
        }
        prev = i;
      }
    }
  }
  return candles;
}

function dropDuplicates(candles: Candle[], keep: 'first' | 'last'): Candle[] {
  const out: Candle[] = [];
  for (const c of candles) {
    const last = out.at(-1);
    if (last && last.t === c.t) {
      if (keep === 'last') out[out.length - 1] = c;
    } else out.push(c);
  }
  return out;
}

const WEEK_MS = 7 * 86_400_000;
// The Unix epoch was a Thursday; exchanges (and freqtrade) start weeks on Monday.
const MONDAY_OFFSET_MS = 4 * 86_400_000;

function bucketStart(t: number, timeframe: string, ms: number): number {
  if (timeframe === '1M') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  if (ms % WEEK_MS === 0) return t - ((((t - MONDAY_OFFSET_MS) % ms) + ms) % ms);
  return t - (t % ms);
}

/** Open of the first, highest high, lowest low, close of the last, summed volume; missing values skipped. */
function resample(candles: Candle[], timeframe: string, ms: number): Candle[] {
  const out: Candle[] = [];
  for (const c of candles) {
    const start = bucketStart(c.t, timeframe, ms);
    let b = out.at(-1);
    if (!b || b.t !== start) {
      b = { t: start, o: null, h: null, l: null, c: null, v: null };
      out.push(b);
    }
    if (b.o === null) b.o = c.o;
    if (c.h !== null) b.h = b.h === null ? c.h : Math.max(b.h, c.h);
    if (c.l !== null) b.l = b.l === null ? c.l : Math.min(b.l, c.l);
    if (c.c !== null) b.c = c.c;
    if (c.v !== null) b.v = (b.v ?? 0) + c.v;
  }
  return out;
}

function normalize(candles: Candle[], method: 'min_max' | 'z_score', columns: ValueColumn[]): Candle[] {
  for (const col of columns) {
    const k = KEY_OF[col];
    const values = candles.map((c) => c[k]).filter((v): v is number => v !== null);
    if (values.length === 0) continue;
    let scale: (v: number) => number;
    if (method === 'min_max') {
      // A loop, not Math.min(...values): a spread of a million arguments overflows the stack.
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const range = max - min;
      scale = (v) => (range === 0 ? 0 : (v - min) / range);
    } else {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1));
      scale = (v) => (std === 0 ? 0 : (v - mean) / std);
    }
    for (const c of candles) if (c[k] !== null) c[k] = scale(c[k]!);
  }
  return candles;
}
