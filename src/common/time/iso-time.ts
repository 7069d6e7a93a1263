/**
 * Epoch milliseconds as an ISO-8601 string with milliseconds, memoised: charts format the same few
 * thousand candle times on every poll, and `toISOString` was a tenth of a cached chart request.
 * The memo is bounded; when it fills it starts over rather than tracking recency.
 */
const MEMO_MAX = 50_000;
const memo = new Map<number, string>();

export function isoTime(ms: number): string {
  let s = memo.get(ms);
  if (s === undefined) {
    s = new Date(ms).toISOString();
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(ms, s);
  }
  return s;
}

/** Entries held now (for tests). */
export const isoTimeMemoSize = (): number => memo.size;
