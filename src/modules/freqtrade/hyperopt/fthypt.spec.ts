import { describe, expect, it } from '@jest/globals';
import { deepMerge, epochMetrics, epochParams, parseFthyptLine } from './fthypt.js';

const line = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    loss: -1.5,
    params_dict: { buy_drop: 11, sell_rise: 12 },
    params_details: { buy: { buy_drop: 11 }, sell: { sell_rise: 12 } },
    params_not_optimized: { roi: { '0': 10 }, stoploss: { stoploss: -0.1 }, buy: {}, sell: {} },
    results_metrics: {
      profit_total: 0.0105,
      profit_total_abs: 10.5,
      total_trades: 17,
      winrate: 0.647,
      profit_mean: 0.0062,
      max_drawdown_account: 0.0055,
    },
    results_explanation: 'x',
    total_profit: 0.0105,
    current_epoch: 8,
    is_initial_point: false,
    is_best: true,
    is_random: false,
    fthypt_fileversion: 2,
    ...over,
  });

describe('fthypt', () => {
  it('reads rapidjson NaN/Infinity tokens as null, but leaves them alone inside strings', () => {
    const raw = line({ results_explanation: 'NaN "quoted" Infinity' })
      .replace('"loss":-1.5', '"loss":NaN')
      .replace('"profit_mean":0.0062', '"profit_mean":-Infinity')
      .replace('"winrate":0.647', '"winrate":Infinity');
    const e = parseFthyptLine(raw);
    expect(e.loss).toBeNull();
    expect(e.results_metrics.profit_mean).toBeNull();
    expect(e.results_metrics.winrate).toBeNull();
    expect(e.results_explanation).toBe('NaN "quoted" Infinity');
  });

  it('refuses a line that is not an epoch', () => {
    expect(() => parseFthyptLine('{"a":1}')).toThrow(SyntaxError);
    expect(() => parseFthyptLine('{"current_epoch":')).toThrow(SyntaxError);
  });

  it('maps freqtrade’s fractions to the metrics a training epoch records', () => {
    expect(epochMetrics(parseFthyptLine(line()), 0.25)).toEqual({
      loss: -1.5,
      total_profit_pct: 1.05,
      total_profit_abs: 10.5,
      trades: 17,
      win_rate: 0.647,
      avg_profit_pct: 0.62,
      max_drawdown_pct: 0.55,
      duration_s: 0.25,
      is_best: true,
      params: { buy_drop: 11, sell_rise: 12 },
    });
  });

  it('builds the exported params the way freqtrade does: optimised values over the loaded ones', () => {
    expect(epochParams(parseFthyptLine(line()))).toEqual({
      roi: { '0': 10 },
      stoploss: { stoploss: -0.1 },
      buy: { buy_drop: 11 },
      sell: { sell_rise: 12 },
    });
    expect(deepMerge({ a: { b: 1 } }, { a: { c: 2 }, d: 3 })).toEqual({ a: { b: 1, c: 2 }, d: 3 });
  });
});
