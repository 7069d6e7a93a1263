import type { JsonObject } from '../../common/types/json.js';

/** One closed trade as freqtrade's result file lists it (the fields used here). */
export interface TradeRow {
  pair: string;
  open_timestamp: number;
  close_timestamp: number;
  profit_ratio: number;
  profit_abs: number;
  open_rate: number;
  close_rate: number;
  enter_tag?: string | null;
  exit_reason?: string | null;
}

export interface SeriesPoint {
  timestamp: string;
  value: number;
}

const DAY_MS = 86_400_000;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pct = (v: number | null, digits = 4): number | null => (v === null ? null : round(v * 100, digits));
const round = (v: number, digits = 6): number => Math.round(v * 10 ** digits) / 10 ** digits;

export function tradesOf(stats: JsonObject): TradeRow[] {
  return (Array.isArray(stats.trades) ? (stats.trades as unknown as TradeRow[]) : [])
    .slice()
    .sort((a, b) => a.close_timestamp - b.close_timestamp);
}

/**
 * The seed's result fields from freqtrade's own stats: returns and drawdown in percent, win rate as
 * a fraction. Nothing is estimated: every figure is freqtrade's or computed from its trades.
 */
export function backtestResults(stats: JsonObject): JsonObject {
  const trades = tradesOf(stats);
  const total = num(stats.total_trades) ?? trades.length;
  const wins = num(stats.wins) ?? trades.filter((t) => t.profit_abs > 0).length;
  const start = num(stats.backtest_start_ts);
  const end = num(stats.backtest_end_ts);
  const inMarketMs = trades.reduce((s, t) => s + (t.close_timestamp - t.open_timestamp), 0);
  const perPair = (
    Array.isArray(stats.results_per_pair) ? (stats.results_per_pair as JsonObject[]) : []
  ).filter((r) => r.key !== 'TOTAL');
  const byProfit = perPair.slice().sort((a, b) => (num(b.profit_total) ?? 0) - (num(a.profit_total) ?? 0));
  const maxDd = num(stats.max_drawdown_account);
  return {
    total_return: pct(num(stats.profit_total)),
    annual_return: pct(num(stats.cagr)),
    sharpe_ratio: num(stats.sharpe),
    sortino_ratio: num(stats.sortino),
    calmar_ratio: num(stats.calmar),
    cagr: pct(num(stats.cagr)),
    max_drawdown: maxDd === null ? null : -pct(maxDd)!,
    win_rate: total > 0 ? round(wins / total) : null,
    profit_factor: num(stats.profit_factor),
    total_trades: total,
    wins,
    losses: num(stats.losses) ?? trades.filter((t) => t.profit_abs < 0).length,
    profit_total_abs: num(stats.profit_total_abs),
    starting_balance: num(stats.starting_balance),
    final_balance: num(stats.final_balance),
    stake_currency: typeof stats.stake_currency === 'string' ? stats.stake_currency : null,
    avg_trade_duration_seconds: total > 0 ? Math.round(inMarketMs / total / 1000) : null,
    // Share of the tested period with at least one trade open would need interval union; with one
    // open trade at a time (max_open_trades 1 per pair) the sum is that share.
    exposure:
      start !== null && end !== null && end > start ? round(Math.min(1, inMarketMs / (end - start))) : null,
    market_change: pct(num(stats.market_change)),
    best_pair: byProfit[0]
      ? { pair: byProfit[0].key ?? null, profit_total: pct(num(byProfit[0].profit_total)) }
      : null,
    worst_pair: byProfit.length
      ? { pair: byProfit.at(-1)!.key ?? null, profit_total: pct(num(byProfit.at(-1)!.profit_total)) }
      : null,
    backtest_start: typeof stats.backtest_start === 'string' ? stats.backtest_start : null,
    backtest_end: typeof stats.backtest_end === 'string' ? stats.backtest_end : null,
  };
}

/** Balance after each closing trade, starting at the starting balance at the backtest's start. */
export function equityCurve(stats: JsonObject): SeriesPoint[] {
  const start = num(stats.starting_balance) ?? 0;
  const t0 = num(stats.backtest_start_ts);
  const points: SeriesPoint[] = t0 !== null ? [{ timestamp: iso(t0), value: start }] : [];
  let balance = start;
  for (const t of tradesOf(stats)) {
    balance += t.profit_abs;
    points.push({ timestamp: iso(t.close_timestamp), value: round(balance, 8) });
  }
  return points;
}

/** Percent below the running peak of the equity curve (0 at a new high, negative below). */
export function drawdownSeries(equity: SeriesPoint[]): SeriesPoint[] {
  let peak = -Infinity;
  return equity.map((p) => {
    peak = Math.max(peak, p.value);
    return { timestamp: p.timestamp, value: peak > 0 ? round(((p.value - peak) / peak) * 100, 4) : 0 };
  });
}

/** End-of-day balances from the backtest's first to last day (trades counted on their close day). */
export function dailyBalances(stats: JsonObject): SeriesPoint[] {
  const start = num(stats.backtest_start_ts);
  const end = num(stats.backtest_end_ts);
  if (start === null || end === null) return [];
  const trades = tradesOf(stats);
  const out: SeriesPoint[] = [];
  let balance = num(stats.starting_balance) ?? 0;
  let i = 0;
  for (let day = Math.floor(start / DAY_MS) * DAY_MS; day <= end; day += DAY_MS) {
    while (i < trades.length && trades[i]!.close_timestamp < day + DAY_MS) balance += trades[i++]!.profit_abs;
    out.push({ timestamp: iso(day), value: balance });
  }
  return out;
}

/** Return of each period (day, week, month) in percent of the balance at its start. */
export function periodReturns(
  daily: SeriesPoint[],
  period: 'day' | 'week' | 'month',
  startBalance: number,
): SeriesPoint[] {
  const key = (ts: string) => {
    if (period === 'day') return ts.slice(0, 10);
    if (period === 'month') return ts.slice(0, 7);
    const d = new Date(ts);
    const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY_MS);
    return monday.toISOString().slice(0, 10);
  };
  const out: SeriesPoint[] = [];
  let prev = startBalance;
  let currentKey: string | null = null;
  let last = startBalance;
  for (const p of daily) {
    const k = key(p.timestamp);
    if (currentKey !== null && k !== currentKey) {
      out.push({ timestamp: currentKey, value: prev > 0 ? round(((last - prev) / prev) * 100, 4) : 0 });
      prev = last;
    }
    currentKey = k;
    last = p.value;
  }
  if (currentKey !== null)
    out.push({ timestamp: currentKey, value: prev > 0 ? round(((last - prev) / prev) * 100, 4) : 0 });
  return out;
}

/** Volatility (annualised from daily returns), historical VaR/CVaR at 95 %, longest drawdown. */
export function riskFigures(daily: SeriesPoint[], startBalance: number): JsonObject {
  const returns: number[] = [];
  let prev = startBalance;
  for (const p of daily) {
    returns.push(prev > 0 ? (p.value - prev) / prev : 0);
    prev = p.value;
  }
  const n = returns.length;
  const mean = n ? returns.reduce((a, b) => a + b, 0) / n : 0;
  const std = n > 1 ? Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const sorted = returns.slice().sort((a, b) => a - b);
  const cut = Math.max(0, Math.ceil(n * 0.05) - 1);
  const var95 = n ? sorted[cut]! : 0;
  const tail = sorted.slice(0, cut + 1);
  const cvar95 = tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : 0;
  let peak = -Infinity;
  let peakAt = 0;
  let longest = 0;
  daily.forEach((p, i) => {
    if (p.value >= peak) {
      peak = p.value;
      peakAt = i;
    } else longest = Math.max(longest, i - peakAt);
  });
  return {
    daily_volatility: pct(std),
    annual_volatility: pct(std * Math.sqrt(365)),
    var_95: pct(var95),
    cvar_95: pct(cvar95),
    max_drawdown_duration_days: longest,
    days: n,
  };
}

/** Buy-and-hold of the benchmark from its candles, as percent change on the equity curve's axis. */
export function benchmarkSeries(
  candles: { t: number; c: number | null }[],
  startMs: number,
  endMs: number,
): SeriesPoint[] {
  const inRange = candles.filter((c) => c.t >= startMs && c.t <= endMs && c.c !== null);
  const first = inRange[0]?.c;
  if (!first) return [];
  // One point a day keeps the chart light over a year of 5m candles.
  const out: SeriesPoint[] = [];
  let lastDay = -1;
  for (const c of inRange) {
    const day = Math.floor(c.t / DAY_MS);
    if (day !== lastDay || c === inRange.at(-1)) {
      out.push({ timestamp: iso(c.t), value: round(((c.c! - first) / first) * 100, 4) });
      lastDay = day;
    }
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
