import { describe, expect, it } from '@jest/globals';
import type { Candle } from '../datasets/candles/candle.js';
import { signalQuality, type QualitySignal } from './signal-quality.js';

const M = 60_000;
const T0 = Date.UTC(2025, 0, 1);
// close 100, 101, …, 129: every candle one up; high = close + 2, low = close − 3
const candles: Candle[] = Array.from({ length: 30 }, (_, i) => ({
  t: T0 + i * M,
  o: 100 + i,
  h: 102 + i,
  l: 97 + i,
  c: 100 + i,
  v: 1,
}));
const sig = (i: number, signalType: string, strengthLevel: string, priority: string): QualitySignal => ({
  id: `s${i}`,
  timestamp: new Date(T0 + i * M),
  signalType,
  strengthLevel,
  priority,
});

describe('signalQuality', () => {
  it('scores forward returns in the signal’s direction, by level and priority, by hand', () => {
    const q = signalQuality(
      [
        sig(0, 'BUY', 'strong', 'P0'),
        sig(4, 'SELL', 'weak', 'P2'),
        sig(20, 'BUY', 'strong', 'P0'),
        sig(99, 'BUY', 'weak', 'P2'),
      ],
      candles,
    );
    expect(q.unscored_signals).toBe(1); // candle 99 is not in the data
    // BUY at 100, +1 candle → 101: +1 %; SELL at 104, +1 → 105: −0.9615 %; BUY at 120 → 121: +0.8333 %
    const strong1 = q.by_strength_level.strong!.horizons[0]!;
    expect(strong1).toEqual({
      horizon: 1,
      count: 2,
      mean_return: expect.closeTo(((1 / 100 + 1 / 120) / 2) * 100, 4),
      median_return: expect.closeTo(((1 / 100 + 1 / 120) / 2) * 100, 4),
      hit_rate: 1,
    });
    const weak1 = q.by_strength_level.weak!.horizons[0]!;
    expect(weak1.hit_rate).toBe(0);
    expect(weak1.mean_return).toBeCloseTo((-1 / 104) * 100, 4);
    // 24 candles after candle 20 run past the data (29 is the last): not counted at that horizon
    expect(q.by_strength_level.strong!.horizons[4]).toMatchObject({ horizon: 24, count: 1 });
    expect(q.by_priority.P0!.signals).toBe(2);
    // MFE of the BUY at 100: best high within 24 candles is 102 + 24 = 126 → +26 %; MAE: the first low 98 → −2 %
    const buy0 = signalQuality([sig(0, 'BUY', 'strong', 'P0')], candles).overall;
    expect(buy0.mean_mfe).toBeCloseTo(26, 6);
    expect(buy0.mean_mae).toBeCloseTo(-2, 6);
  });
});
