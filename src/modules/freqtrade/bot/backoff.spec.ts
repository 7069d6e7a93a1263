import { describe, expect, it } from '@jest/globals';
import { RestartBudget, restartDelayMs } from './backoff.js';

describe('restart backoff', () => {
  it('starts at 1 s, doubles, and is capped at 5 minutes', () => {
    expect([1, 2, 3, 4, 5, 9, 10, 50].map((n) => restartDelayMs(n))).toEqual([
      1000, 2000, 4000, 8000, 16000, 256000, 300000, 300000,
    ]);
  });

  it('allows N restarts per sliding hour', () => {
    const b = new RestartBudget(3);
    const t = 1_000_000;
    expect([b.take(t), b.take(t + 1), b.take(t + 2), b.take(t + 3)]).toEqual([true, true, true, false]);
    expect(b.countSince(t + 3)).toBe(3);
    // The first restart leaves the window an hour later; one more is allowed then.
    expect(b.take(t + 3_600_000)).toBe(true);
    expect(b.take(t + 3_600_000)).toBe(false);
  });

  it('a budget of zero never restarts', () => {
    expect(new RestartBudget(0).take(0)).toBe(false);
  });
});
