import type { SignalKind } from '../../signals/signal-classification.js';
import type { SignalCandidate } from '../../signals/signal-candidate.js';

/** One message from freqtrade's message websocket, as far as the capture cares. */
export type BotMessage =
  | { type: 'analyzed_df'; pair: string; timeframe: string; candleType: string; rows: DataFrameRow[] }
  | { type: 'warning' | 'exception' | 'startup' | 'status' | 'strategy_msg'; text: string }
  | { type: 'whitelist'; pairs: string[] }
  | { type: 'new_candle'; pair: string; timeframe: string }
  | { type: 'other'; name: string };

export type DataFrameRow = Record<string, unknown>;

export class FrameError extends Error {
  override name = 'FrameError';
}

const KINDS: readonly SignalKind[] = ['enter_long', 'exit_long', 'enter_short', 'exit_short'];
/** Columns that are candles, signals or tags rather than indicators. */
export const NOT_INDICATORS: ReadonlySet<string> = new Set([
  'date',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'enter_long',
  'exit_long',
  'enter_short',
  'exit_short',
  'enter_tag',
  'exit_tag',
  'buy',
  'sell',
  'buy_tag',
]);
const MAX_DEFAULT_INDICATORS = 32;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A dataframe as freqtrade serialises it: `{"__type__":"dataframe","__value__":"<split-orient JSON>"}`
 * — JSON inside a JSON string (freqtrade-reference §3.5). NaN/inf arrive as null.
 */
export function decodeDataFrame(value: unknown): DataFrameRow[] {
  if (!isRecord(value) || value.__type__ !== 'dataframe' || typeof value.__value__ !== 'string')
    throw new FrameError('df is not a serialised dataframe');
  let split: unknown;
  try {
    split = JSON.parse(value.__value__);
  } catch {
    throw new FrameError('dataframe payload is not JSON');
  }
  if (!isRecord(split) || !Array.isArray(split.columns) || !Array.isArray(split.data))
    throw new FrameError('dataframe payload is not in split orientation');
  const columns = split.columns as unknown[];
  if (!columns.every((c) => typeof c === 'string'))
    throw new FrameError('dataframe column names must be strings');
  return (split.data as unknown[]).map((row) => {
    if (!Array.isArray(row) || row.length !== columns.length)
      throw new FrameError('dataframe row has the wrong width');
    const out: DataFrameRow = {};
    columns.forEach((c, i) => (out[c as string] = row[i]));
    return out;
  });
}

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** Parses one text frame; throws FrameError for anything that is not a message we can read. */
export function parseBotMessage(raw: string): BotMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    throw new FrameError('frame is not JSON');
  }
  if (!isRecord(msg) || typeof msg.type !== 'string') throw new FrameError('frame has no type');
  switch (msg.type) {
    case 'analyzed_df': {
      const data = msg.data;
      if (!isRecord(data) || !Array.isArray(data.key) || data.key.length < 2)
        throw new FrameError('analyzed_df without a key');
      const [pair, timeframe, candleType] = data.key as unknown[];
      if (typeof pair !== 'string' || typeof timeframe !== 'string')
        throw new FrameError('analyzed_df key must name a pair and a timeframe');
      return {
        type: 'analyzed_df',
        pair,
        timeframe,
        candleType: typeof candleType === 'string' ? candleType : 'spot',
        rows: decodeDataFrame(data.df),
      };
    }
    case 'new_candle': {
      const [pair, timeframe] = Array.isArray(msg.data) ? (msg.data as unknown[]) : [];
      return { type: 'new_candle', pair: text(pair), timeframe: text(timeframe) };
    }
    case 'whitelist':
      return { type: 'whitelist', pairs: Array.isArray(msg.data) ? msg.data.map(text) : [] };
    case 'warning':
    case 'exception':
    case 'startup':
    case 'status':
      return { type: msg.type, text: text(msg.status) };
    case 'strategy_msg':
      return { type: 'strategy_msg', text: text(msg.msg) };
    default:
      return { type: 'other', name: msg.type };
  }
}

export interface CaptureSettings {
  strategyId: number;
  exchange: string;
  /** Column holding 0–100; missing/NaN leaves the strategy's default strength to the journal. */
  strengthColumn: string;
  /** Columns to snapshot; empty → every numeric non-OHLCV, non-signal column (at most 32). */
  indicatorColumns: string[];
  freqtradeVersion: string | null;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function indicatorsOf(row: DataFrameRow, s: CaptureSettings): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  if (s.indicatorColumns.length) {
    for (const c of s.indicatorColumns) out[c] = finite(row[c]);
    return out;
  }
  for (const [c, v] of Object.entries(row)) {
    if (NOT_INDICATORS.has(c) || c === s.strengthColumn || typeof v !== 'number') continue;
    out[c] = finite(v);
    if (Object.keys(out).length >= MAX_DEFAULT_INDICATORS) break;
  }
  return out;
}

const tagOf = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Every signal column equal to 1 on every row becomes a candidate (freqtrade's own read-out rule:
 * `== 1`, which may arrive as 1 or 1.0). Rows without a usable date or close are skipped.
 */
export function candidatesFrom(
  m: Extract<BotMessage, { type: 'analyzed_df' }>,
  s: CaptureSettings,
): SignalCandidate[] {
  const out: SignalCandidate[] = [];
  for (const row of m.rows) {
    const kinds = KINDS.filter((k) => row[k] === 1);
    if (!kinds.length) continue;
    const date = finite(row.date);
    const close = finite(row.close);
    if (date === null || close === null) continue;
    const indicators = indicatorsOf(row, s);
    for (const kind of kinds) {
      out.push({
        strategyId: s.strategyId,
        pair: m.pair,
        exchange: s.exchange,
        timeframe: m.timeframe,
        candleTime: new Date(date),
        kind,
        strength: s.strengthColumn in row ? (row[s.strengthColumn] ?? Number.NaN) : undefined,
        price: close,
        indicators,
        tag: kind.startsWith('enter') ? tagOf(row.enter_tag) : tagOf(row.exit_tag),
        freqtradeVersion: s.freqtradeVersion,
      });
    }
  }
  return out;
}
