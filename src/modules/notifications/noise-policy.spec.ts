import { describe, expect, it } from '@jest/globals';
import { backoffMs, meetsLevel, quietWindowEnd, timeframeToMs } from './noise-policy.js';

describe('noise policy helpers', () => {
  // 2026-01-01T14:30:00Z is 22:30 in Asia/Shanghai.
  const now = Date.UTC(2026, 0, 1, 14, 30);

  it('finds the end of a quiet window that crosses midnight, in the user zone', () => {
    expect(quietWindowEnd(now, { start: '22:00', end: '07:00' }, 'Asia/Shanghai')).toBe(
      Date.UTC(2026, 0, 1, 23, 0),
    );
    expect(quietWindowEnd(now, { start: '23:00', end: '07:00' }, 'Asia/Shanghai')).toBeNull();
    expect(quietWindowEnd(now, { start: '22:00', end: '07:00' }, 'UTC')).toBeNull();
    expect(quietWindowEnd(now, { start: '14:00', end: '15:00' }, 'UTC')).toBe(Date.UTC(2026, 0, 1, 15, 0));
    expect(quietWindowEnd(now, { start: '10:00', end: '10:00' }, 'UTC')).toBeNull();
    expect(quietWindowEnd(now, null, 'UTC')).toBeNull();
  });

  it('doubles the backoff per attempt with at most 10 % jitter, capped at 10 minutes', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 1000, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(2, 1000, () => 0.999)).toBeLessThanOrEqual(2200);
    expect(backoffMs(30, 1000, () => 0)).toBe(600_000);
  });

  it('reads timeframes and minimum levels', () => {
    expect(['5m', '1h', '4h', '1d', 'bad'].map(timeframeToMs)).toEqual([
      300_000, 3_600_000, 14_400_000, 86_400_000, 3_600_000,
    ]);
    expect(meetsLevel('P0', 'P1')).toBe(true);
    expect(meetsLevel('P2', 'P1')).toBe(false);
  });
});
