import { describe, expect, it } from '@jest/globals';
import type { StrategyCompatibility } from '../entities/freqtrade-compatibility-check.entity.js';
import { judge } from './compatibility-check.service.js';
import { diffSignals, type ProbeResult } from './signal-probe.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

const probe = (signals: [number, string[]][], candles = 10): ProbeResult => ({
  ok: true,
  interface_version: 3,
  timeframe: '1m',
  startup_candle_count: 0,
  pairs: { 'BTC/USDT': { candles, signals } },
});

const base: StrategyCompatibility = {
  strategy_id: 1,
  strategy_name: 's',
  strategy_class: 'S',
  strategy_version: 'v1.0',
  verdict: 'incompatible',
  interface_version: 3,
  loads_on_target: true,
  candles: 0,
  signals_current: null,
  signals_target: null,
  differences: [],
  error: null,
};

describe('signal comparison', () => {
  it('finds candles whose signal sets differ, in time order, regardless of kind order', () => {
    const a = {
      'BTC/USDT': {
        candles: 3,
        signals: [
          [T0, ['exit_long', 'enter_long']],
          [T0 + MIN, ['exit_long']],
        ] as [number, string[]][],
      },
    };
    const b = {
      'BTC/USDT': {
        candles: 3,
        signals: [
          [T0, ['enter_long', 'exit_long']],
          [T0 + 2 * MIN, ['enter_long']],
        ] as [number, string[]][],
      },
    };
    expect(diffSignals(a, b)).toEqual({
      count: 2,
      differences: [
        { pair: 'BTC/USDT', date: new Date(T0 + MIN).toISOString(), current: ['exit_long'], target: [] },
        { pair: 'BTC/USDT', date: new Date(T0 + 2 * MIN).toISOString(), current: [], target: ['enter_long'] },
      ],
    });
  });

  it('caps the listed differences but counts them all', () => {
    const many = Array.from({ length: 25 }, (_, i) => [T0 + i * MIN, ['enter_long']] as [number, string[]]);
    const r = diffSignals({ p: { candles: 25, signals: many } }, { p: { candles: 25, signals: [] } });
    expect(r.count).toBe(25);
    expect(r.differences).toHaveLength(10);
  });

  it('judges: identical → compatible, differing → changed, failing on the target → incompatible', () => {
    const same = probe([[T0, ['enter_long']]]);
    expect(judge(base, same, same, '2025.8')).toMatchObject({
      verdict: 'compatible',
      signals_current: 1,
      signals_target: 1,
      candles: 10,
    });
    expect(judge(base, same, probe([]), '2025.8')).toMatchObject({ verdict: 'changed', signals_target: 0 });
    const failed: ProbeResult = {
      ok: false,
      stage: 'run',
      error: "AttributeError: 'X' has no attribute 'y'",
      interface_version: 3,
    };
    expect(judge(base, same, failed, '2025.8')).toMatchObject({
      verdict: 'incompatible',
      error: "AttributeError: 'X' has no attribute 'y'",
    });
    expect(judge(base, failed, same, '2025.8')).toMatchObject({
      verdict: 'changed',
      error: "does not run on 2025.8: AttributeError: 'X' has no attribute 'y'",
    });
  });
});
