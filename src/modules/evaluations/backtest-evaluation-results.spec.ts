import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../../common/types/json.js';
import { backtestEvaluationFigures, type BacktestOutcome } from './backtest-evaluation-results.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 30);

function outcome(label: string, profitAbs: number): BacktestOutcome {
  const stats = {
    starting_balance: 1000,
    final_balance: 1000 + profitAbs,
    total_trades: 1,
    wins: profitAbs > 0 ? 1 : 0,
    losses: profitAbs > 0 ? 0 : 1,
    profit_total: profitAbs / 1000,
    backtest_start_ts: T0,
    backtest_end_ts: T0 + 2 * DAY,
    results_per_pair: [{ key: 'BTC/USDT', profit_total: profitAbs / 1000 }],
    trades: [
      {
        pair: 'BTC/USDT',
        open_timestamp: T0,
        close_timestamp: T0 + DAY,
        profit_ratio: profitAbs / 1000,
        profit_abs: profitAbs,
        open_rate: 1,
        close_rate: 1 + profitAbs / 1000,
      },
    ],
  } as unknown as JsonObject;
  return { label, strategyId: 7, version: label, stats, seconds: 1.234 };
}

const candles = [
  { t: T0, c: 100 },
  { t: T0 + DAY, c: 110 },
];

describe('backtestEvaluationFigures', () => {
  it('a backtest keeps the first run’s figures, its freqtrade time and the buy-and-hold benchmark', () => {
    const f = backtestEvaluationFigures('backtest', [outcome('v1', 100)], 1000, {
      pair: 'BTC/USDT',
      candles,
    });
    expect(f.results).toMatchObject({ total_return: 10, freqtrade_seconds: 1.23 });
    expect(f.results.returns).toBeUndefined();
    expect(f.charts.map((c) => c.type)).toEqual(['equity_curve', 'drawdown', 'monthly_returns', 'benchmark']);
    expect(f.charts[3]!.data).toEqual([
      { timestamp: new Date(T0).toISOString(), value: 0 },
      { timestamp: new Date(T0 + DAY).toISOString(), value: 10 },
    ]);
  });

  it('performance adds daily/weekly/monthly returns and risk adds the risk section', () => {
    const perf = backtestEvaluationFigures('performance', [outcome('v1', 100)], 1000, {
      pair: 'ETH/USDT',
      missing: 'no candles',
    });
    expect(Object.keys(perf.results.returns as JsonObject)).toEqual(['daily', 'weekly', 'monthly']);
    expect(perf.charts[3]).toEqual({
      type: 'benchmark',
      data: [],
      config: { pair: 'ETH/USDT', unavailable: 'no candles' },
    });
    const risk = backtestEvaluationFigures('risk', [outcome('v1', 100)], 1000, { pair: 'x', missing: '-' });
    expect(risk.results.risk).toMatchObject({ var_95: expect.any(Number) });
  });

  it('a comparison lists every run side by side and draws one equity curve per extra run', () => {
    const f = backtestEvaluationFigures('comparison', [outcome('v1', 100), outcome('v2', -50)], 1000, {
      pair: 'x',
      missing: '-',
    });
    expect(f.results.comparison).toEqual([
      expect.objectContaining({ label: 'v1', version: 'v1', strategy_id: 7, total_return: 10 }),
      expect.objectContaining({ label: 'v2', version: 'v2', strategy_id: 7, total_return: -5 }),
    ]);
    expect(f.charts.filter((c) => c.type === 'equity_curve')).toHaveLength(2);
    expect(f.perOutcome).toHaveLength(2);
  });
});
