import { timeframeMs } from '../../../common/time/timeframe.js';
import type { BotMessage, DataFrameRow } from './analyzed-df.js';

/** freqtrade's `analyzed_df` reply is capped at this many rows; a series never grows past it. */
export const MAX_FRAME_ROWS = 1500;
/** Series kept per bot; a whitelist longer than this keeps the most recently updated pairs. */
export const MAX_FRAME_SERIES = 64;

/** The latest analysed rows of one (pair, timeframe) of one bot, oldest first. */
export interface AnalyzedSeries {
  pair: string;
  timeframe: string;
  /** `spot` or `futures`: the strategy's main candles. */
  candleType: string;
  /** Candle open times (ms), ascending, one timeframe apart: the series has no holes. */
  dates: number[];
  rows: DataFrameRow[];
  /** When the last frame of this series arrived (the clock the capture runs on). */
  receivedAt: number;
}

/**
 * `b` opens the candle right after `a`: exactly one timeframe later, except for week and month
 * candles (calendar-aligned; a month is 28–31 days), which are within half a timeframe of it.
 */
const isNext = (a: number, b: number, tf: number, exact: boolean) =>
  exact ? b - a === tf : b > a && b - a <= tf * 1.5;

const seriesKey = (pair: string, timeframe: string) => `${pair}|${timeframe}`;

/**
 * What a bot has analysed, kept in memory so charts can draw the strategy's own candles and
 * columns without asking the exchange again. A reply to our `analyzed_df` request (many rows)
 * replaces a series; a broadcast (freqtrade sends only the newest closed candle, §3.4) extends it,
 * replaces its last row when re-sent, and resets it when candles were skipped — a series never has
 * holes, so "covers this range" is a comparison of two ends. Bounded: MAX_FRAME_ROWS per series,
 * MAX_FRAME_SERIES series.
 */
export class AnalyzedFrames {
  private readonly series = new Map<string, AnalyzedSeries>();

  /** Takes one decoded frame in; true when the series lost candles and wants the pair's history again. */
  record(msg: Extract<BotMessage, { type: 'analyzed_df' }>, now: number): boolean {
    const tf = timeframeMs(msg.timeframe);
    if (tf === null) return false;
    const exact = !/[wM]$/.test(msg.timeframe);
    const dated: { date: number; row: DataFrameRow }[] = [];
    for (const row of msg.rows) {
      const date = row.date;
      if (typeof date === 'number' && Number.isFinite(date)) dated.push({ date, row });
    }
    if (!dated.length) return false;
    let gap = false;
    const key = seriesKey(msg.pair, msg.timeframe);
    const known = this.series.get(key);
    let next: AnalyzedSeries;
    if (dated.length > 1 || !known) {
      next = this.fresh(msg, dated.slice(-MAX_FRAME_ROWS), tf, exact, now);
    } else {
      const { date, row } = dated[0]!;
      const last = known.dates.at(-1)!;
      if (date < last) return false; // a late repeat of history already held
      if (date === last) {
        known.rows[known.rows.length - 1] = row;
        next = known;
      } else if (isNext(last, date, tf, exact)) {
        known.dates.push(date);
        known.rows.push(row);
        if (known.dates.length > MAX_FRAME_ROWS) {
          known.dates.shift();
          known.rows.shift();
        }
        next = known;
      } else {
        next = this.fresh(msg, [dated[0]!], tf, exact, now);
        gap = true;
      }
      next.receivedAt = now;
    }
    // Re-inserted, so the map's order is least recently updated first.
    this.series.delete(key);
    this.series.set(key, next);
    if (this.series.size > MAX_FRAME_SERIES) this.series.delete(this.series.keys().next().value!);
    return gap;
  }

  get(pair: string, timeframe: string): AnalyzedSeries | undefined {
    return this.series.get(seriesKey(pair, timeframe));
  }

  all(): AnalyzedSeries[] {
    return [...this.series.values()];
  }

  /** A new series from the newest run of rows without a hole (freqtrade fills gaps, so normally all). */
  private fresh(
    msg: Extract<BotMessage, { type: 'analyzed_df' }>,
    dated: { date: number; row: DataFrameRow }[],
    tf: number,
    exact: boolean,
    now: number,
  ): AnalyzedSeries {
    let from = dated.length - 1;
    while (from > 0 && isNext(dated[from - 1]!.date, dated[from]!.date, tf, exact)) from--;
    const kept = dated.slice(from);
    return {
      pair: msg.pair,
      timeframe: msg.timeframe,
      candleType: msg.candleType,
      dates: kept.map((d) => d.date),
      rows: kept.map((d) => d.row),
      receivedAt: now,
    };
  }
}
