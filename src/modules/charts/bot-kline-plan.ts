/** A range of candles to fetch from the exchange (open times, inclusive) and how many there are. */
export interface ExchangeRange {
  start: number;
  end: number;
  limit: number;
}

/** Which candles of a request a bot's series serves, and what the exchange must add around them. */
export interface BotKlinePlan {
  /** Index range [from, to) into the bot's series. */
  from: number;
  to: number;
  head?: ExchangeRange;
  tail?: ExchangeRange;
}

export interface KlineRange {
  /** Open times (ms), inclusive; `start` set: the first `limit` from it, else the last `limit` up to `end`. */
  start?: number;
  end?: number;
  limit: number;
}

/** Timeframes of a fixed length, whose candles open at multiples of it since the epoch. */
export const FIXED_TIMEFRAME = /^\d+[smhd]$/;

/**
 * Plans a kline request (MarketData's semantics) over a bot's analysed series: contiguous closed
 * candles `dates` (ascending open times, one `tf` apart). A bot never holds the forming candle
 * (freqtrade drops it), so when its series reaches the latest closed candle, a request running up
 * to now ends there — the strategy's own view — instead of costing an exchange call for the one
 * candle still changing. Whatever the series does not hold is left to the exchange (head: older,
 * tail: newer). Null when the series holds none of the request.
 */
export function planBotKlines(
  dates: number[],
  tf: number,
  req: KlineRange,
  now: number,
): BotKlinePlan | null {
  if (!dates.length) return null;
  const first = dates[0]!;
  const last = dates.at(-1)!;
  const formingOpen = Math.floor(now / tf) * tf;
  let endOpen = Math.floor(Math.min(req.end ?? now, now) / tf) * tf;
  if (endOpen === formingOpen && last === formingOpen - tf) endOpen = last;
  let lo: number;
  let hi: number;
  if (req.start !== undefined) {
    lo = Math.ceil(req.start / tf) * tf;
    hi = Math.min(endOpen, lo + (req.limit - 1) * tf);
  } else {
    hi = endOpen;
    lo = hi - (req.limit - 1) * tf;
  }
  const coverLo = Math.max(lo, first);
  const coverHi = Math.min(hi, last);
  if (coverLo > coverHi) return null;
  const plan: BotKlinePlan = {
    from: (coverLo - first) / tf,
    to: (coverHi - first) / tf + 1,
  };
  if (lo < coverLo) plan.head = { start: lo, end: coverLo - tf, limit: (coverLo - lo) / tf };
  if (hi > coverHi) plan.tail = { start: coverHi + tf, end: hi, limit: (hi - coverHi) / tf };
  return plan;
}
