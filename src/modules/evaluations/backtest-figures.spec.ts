import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../../common/types/json.js';
import {
  backtestResults,
  dailyBalances,
  drawdownSeries,
  equityCurve,
  periodReturns,
  riskFigures,
} from './backtest-figures.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 30); // Thursday 30 January

/** freqtrade-shaped stats: two trades, +100 on 31 Jan and −55 on 2 Feb, 1,000 to start. */
const stats = {
  starting_balance: 1000,
  final_balance: 1045,
  total_trades: 2,
  wins: 1,
  losses: 1,
  profit_total: 0.045,
  cagr: 0.5,
  sharpe: 1.2,
  max_drawdown_account: 0.05,
  profit_factor: 100 / 55,
  backtest_start_ts: T0,
  backtest_end_ts: T0 + 4 * DAY,
  results_per_pair: [
    { key: 'BTC/USDT', profit_total: 0.05 },
    { key: 'ETH/USDT', profit_total: -0.005 },
    { key: 'TOTAL', profit_total: 0.045 },
  ],
  trades: [
    {
      pair: 'ETH/USDT',
      open_timestamp: T0 + 2 * DAY,
      close_timestamp: T0 + 3 * DAY,
      profit_ratio: -0.05,
      profit_abs: -55,
      open_rate: 1,
      close_rate: 0.95,
    },
    {
      pair: 'BTC/USDT',
      open_timestamp: T0,
      close_timestamp: T0 + DAY,
      profit_ratio: 0.1,
      profit_abs: 100,
      open_rate: 1,
      close_rate: 1.1,
    },
  ],
} as unknown as JsonObject;

describe('backtest figures', () => {
  it('maps freqtrade stats to the seed’s fields: percent returns, fraction win rate, negative drawdown', () => {
    expect(backtestResults(stats)).toMatchObject({
      total_return: 4.5,
      annual_return: 50,
      max_drawdown: -5,
      win_rate: 0.5,
      total_trades: 2,
      best_pair: { pair: 'BTC/USDT', profit_total: 5 },
      worst_pair: { pair: 'ETH/USDT', profit_total: -0.5 },
      avg_trade_duration_seconds: 86_400,
      exposure: 0.5,
    });
  });

  it('draws the equity curve in close order and the drawdown below its running peak', () => {
    const equity = equityCurve(stats);
    expect(equity.map((p) => p.value)).toEqual([1000, 1100, 1045]);
    expect(drawdownSeries(equity).map((p) => p.value)).toEqual([0, 0, -5]);
  });

  it('returns per day and per month on the balance at each period’s start', () => {
    const daily = dailyBalances(stats);
    expect(daily.map((p) => p.value)).toEqual([1000, 1100, 1100, 1045, 1045]);
    expect(periodReturns(daily, 'month', 1000)).toEqual([
      { timestamp: '2025-01', value: 10 },
      { timestamp: '2025-02', value: -5 },
    ]);
    expect(periodReturns(daily, 'day', 1000).map((p) => p.value)).toEqual([0, 10, 0, -5, 0]);
  });

  it('computes volatility, historical VaR/CVaR at 95 % and the longest drawdown in days', () => {
    const risk = riskFigures(dailyBalances(stats), 1000);
    // daily returns 0, 0.1, 0, −0.05, 0: the worst 5 % (one day of five) is −5 %
    expect(risk.var_95).toBe(-5);
    expect(risk.cvar_95).toBe(-5);
    expect(risk.max_drawdown_duration_days).toBe(2);
    const r = [0, 0.1, 0, -0.05, 0];
    const mean = r.reduce((a, b) => a + b) / 5;
    const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    expect(risk.daily_volatility).toBeCloseTo(std * 100, 3);
  });
});
