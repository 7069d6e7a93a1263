import type { Candle } from '../datasets/candles/candle.js';

export const HORIZONS = [1, 3, 6, 12, 24] as const;

export interface QualitySignal {
  id: string;
  timestamp: Date;
  signalType: string;
  strengthLevel: string;
  priority: string;
}

export interface HorizonFigures {
  horizon: number;
  /** Signals with that many candles after them in the data. */
  count: number;
  /** Mean forward return in the signal's direction, percent. */
  mean_return: number | null;
  median_return: number | null;
  /** Share of signals whose directional return is above zero. */
  hit_rate: number | null;
}

export interface GroupFigures {
  signals: number;
  /** Signals whose candle is in the data (the rest cannot be scored). */
  scored: number;
  horizons: HorizonFigures[];
  /** Mean maximum favourable / adverse excursion over the longest horizon, percent. */
  mean_mfe: number | null;
  mean_mae: number | null;
}

export interface SignalQuality {
  horizons: readonly number[];
  overall: GroupFigures;
  by_strength_level: Record<string, GroupFigures>;
  by_priority: Record<string, GroupFigures>;
  unscored_signals: number;
}

interface Scored {
  signal: QualitySignal;
  /** Directional forward return per horizon (null: not enough candles after it). */
  returns: (number | null)[];
  mfe: number | null;
  mae: number | null;
}

/**
 * How the journal's signals did afterwards: from each signal's candle close, the return after 1, 3,
 * 6, 12 and 24 candles in the signal's direction (BUY up, SELL down), and the best and worst move
 * within the longest horizon (from highs and lows). `candles` sorted by time.
 */
export function signalQuality(signals: QualitySignal[], candles: Candle[]): SignalQuality {
  const index = new Map<number, number>();
  candles.forEach((c, i) => index.set(c.t, i));
  const scored: Scored[] = [];
  let unscored = 0;
  for (const s of signals) {
    const i = index.get(s.timestamp.getTime());
    const base = i === undefined ? null : candles[i]!.c;
    if (i === undefined || base === null || base <= 0) {
      unscored++;
      continue;
    }
    const dir = s.signalType === 'SELL' ? -1 : 1;
    const returns = HORIZONS.map((h) => {
      const later = candles[i + h]?.c;
      return later === undefined || later === null ? null : (dir * (later - base)) / base;
    });
    let mfe: number | null = null;
    let mae: number | null = null;
    const last = Math.min(candles.length - 1, i + HORIZONS.at(-1)!);
    for (let j = i + 1; j <= last; j++) {
      const { h, l } = candles[j]!;
      if (h === null || l === null) continue;
      const up = (h - base) / base;
      const down = (l - base) / base;
      const fav = dir > 0 ? up : -down;
      const adv = dir > 0 ? down : -up;
      mfe = mfe === null ? fav : Math.max(mfe, fav);
      mae = mae === null ? adv : Math.min(mae, adv);
    }
    scored.push({ signal: s, returns, mfe, mae });
  }
  const group = (rows: Scored[], total: number): GroupFigures => ({
    signals: total,
    scored: rows.length,
    horizons: HORIZONS.map((h, k) => {
      const r = rows.map((x) => x.returns[k]).filter((v): v is number => v !== null);
      return {
        horizon: h,
        count: r.length,
        mean_return: r.length ? pct(mean(r)) : null,
        median_return: r.length ? pct(median(r)) : null,
        hit_rate: r.length ? round(r.filter((v) => v > 0).length / r.length) : null,
      };
    }),
    mean_mfe: meanOrNull(rows.map((x) => x.mfe)),
    mean_mae: meanOrNull(rows.map((x) => x.mae)),
  });
  const by = (key: 'strengthLevel' | 'priority') => {
    const out: Record<string, GroupFigures> = {};
    const keys = [...new Set(signals.map((s) => s[key]))].sort();
    for (const k of keys) {
      out[k] = group(
        scored.filter((x) => x.signal[key] === k),
        signals.filter((s) => s[key] === k).length,
      );
    }
    return out;
  };
  return {
    horizons: HORIZONS,
    overall: group(scored, signals.length),
    by_strength_level: by('strengthLevel'),
    by_priority: by('priority'),
    unscored_signals: unscored,
  };
}

const round = (v: number, d = 6) => Math.round(v * 10 ** d) / 10 ** d;
const pct = (v: number) => round(v * 100, 4);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
function median(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function meanOrNull(v: (number | null)[]): number | null {
  const x = v.filter((n): n is number => n !== null);
  return x.length ? pct(mean(x)) : null;
}
