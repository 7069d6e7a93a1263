import type { JsonObject } from '../../common/types/json.js';
import {
  backtestResults,
  benchmarkSeries,
  dailyBalances,
  drawdownSeries,
  equityCurve,
  periodReturns,
  riskFigures,
} from './backtest-figures.js';

/** One freqtrade backtest of an evaluation, as the runner got it back. */
export interface BacktestOutcome {
  label: string;
  strategyId: number;
  version: string;
  stats: JsonObject;
  seconds: number;
}

/** The benchmark pair's candles, or why there are none. */
export type BenchmarkCandles =
  { pair: string; candles: { t: number; c: number | null }[] } | { pair: string; missing: string };

/**
 * What an evaluation of `type` stores from its backtests: the first outcome's figures (plus the
 * type's extra section) and the charts drawn from its trades. Pure, so every type is unit-testable
 * without freqtrade.
 */
export function backtestEvaluationFigures(
  type: string,
  outcomes: BacktestOutcome[],
  startBalance: number,
  benchmark: BenchmarkCandles,
): { results: JsonObject; charts: JsonObject[]; perOutcome: JsonObject[] } {
  const perOutcome = outcomes.map((o) => backtestResults(o.stats));
  const first = outcomes[0]!;
  const firstResults = perOutcome[0]!;
  const equity = equityCurve(first.stats);
  const daily = dailyBalances(first.stats);
  const charts: JsonObject[] = [
    { type: 'equity_curve', data: json(equity), config: { unit: firstResults.stake_currency } },
    { type: 'drawdown', data: json(drawdownSeries(equity)), config: { unit: '%' } },
    {
      type: 'monthly_returns',
      data: json(periodReturns(daily, 'month', startBalance)),
      config: { unit: '%' },
    },
    'candles' in benchmark
      ? {
          type: 'benchmark',
          data: json(
            benchmarkSeries(
              benchmark.candles,
              (first.stats.backtest_start_ts as number) ?? 0,
              (first.stats.backtest_end_ts as number) ?? Infinity,
            ),
          ),
          config: { pair: benchmark.pair, unit: '%', description: 'buy and hold, percent change' },
        }
      : { type: 'benchmark', data: [], config: { pair: benchmark.pair, unavailable: benchmark.missing } },
  ];
  let results: JsonObject = { ...firstResults, freqtrade_seconds: round2(first.seconds) };
  if (type === 'performance') {
    results = {
      ...results,
      returns: {
        daily: json(periodReturns(daily, 'day', startBalance)),
        weekly: json(periodReturns(daily, 'week', startBalance)),
        monthly: json(periodReturns(daily, 'month', startBalance)),
      },
    };
  }
  if (type === 'risk') results = { ...results, risk: riskFigures(daily, startBalance) };
  if (type === 'comparison') {
    results = {
      comparison: outcomes.map((o, k) => ({
        label: o.label,
        strategy_id: o.strategyId,
        version: o.version,
        ...perOutcome[k],
      })),
    };
    for (const o of outcomes.slice(1))
      charts.push({ type: 'equity_curve', data: json(equityCurve(o.stats)), config: { label: o.label } });
  }
  return { results, charts, perOutcome };
}

export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function json(rows: object): JsonObject[] {
  return rows as unknown as JsonObject[];
}
