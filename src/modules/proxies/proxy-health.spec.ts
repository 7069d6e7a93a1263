import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../infra/clock/clock.port.js';
import type { ProxyStatus } from './entities/proxy.entity.js';
import { applyCheck, nextCheckDelay, type HealthState } from './proxy-health.js';

const timing = { intervalMs: 3_600_000, retryDelayMs: 10_000, unhealthyRecheckMs: 60_000 };

/** Feeds check results through the state machine on a manual clock, as the scheduler would. */
function run(results: boolean[], retryCount = 3, start: ProxyStatus = 'healthy') {
  const clock = new ManualClock();
  let s: HealthState = { status: start, consecutiveFailures: 0, consecutiveSuccesses: 0 };
  const trail: { at: number; status: ProxyStatus; transition: ProxyStatus | null }[] = [];
  const t0 = clock.now();
  for (const ok of results) {
    const step = applyCheck(s, ok, retryCount);
    s = step.next;
    trail.push({ at: clock.now() - t0, status: s.status, transition: step.transition });
    clock.advance(nextCheckDelay(s, timing));
  }
  return trail;
}

describe('proxy health state machine', () => {
  it('turns unhealthy only after retry_count failures in a row, the retries spaced by the retry delay', () => {
    const trail = run([false, false, false], 3);
    expect(trail.map((t) => t.status)).toEqual(['healthy', 'healthy', 'unhealthy']);
    expect(trail.map((t) => t.transition)).toEqual([null, null, 'unhealthy']);
    // Declared dead 20 s after the first failure: well within one interval.
    expect(trail[2]!.at).toBe(20_000);
  });

  it('a success in between resets the count', () => {
    expect(run([false, false, true, false, false], 3).map((t) => t.status)).toEqual(Array(5).fill('healthy'));
  });

  it('needs two successes in a row to be healthy again (no flapping)', () => {
    const trail = run([true, false, true, true], 1, 'unhealthy');
    expect(trail.map((t) => t.status)).toEqual(['unhealthy', 'unhealthy', 'unhealthy', 'healthy']);
    expect(trail.map((t) => t.transition)).toEqual([null, null, null, 'healthy']);
  });

  it('retry_count 0 counts as one failure', () => {
    expect(run([false], 0)[0]).toMatchObject({ status: 'unhealthy', transition: 'unhealthy' });
  });

  it('a never-checked proxy is healthy on its first success', () => {
    expect(run([true], 3, 'unknown')[0]).toMatchObject({ status: 'healthy', transition: 'healthy' });
  });

  it('schedules: interval when settled, retry delay while pending, the recheck while dead', () => {
    const at = (status: ProxyStatus, f: number, s: number) =>
      nextCheckDelay({ status, consecutiveFailures: f, consecutiveSuccesses: s }, timing);
    expect(at('healthy', 0, 5)).toBe(3_600_000);
    expect(at('healthy', 1, 0)).toBe(10_000);
    expect(at('unhealthy', 4, 0)).toBe(60_000);
    expect(at('unhealthy', 0, 1)).toBe(10_000);
    // Never later than the proxy's own interval.
    expect(
      nextCheckDelay(
        { status: 'unhealthy', consecutiveFailures: 3, consecutiveSuccesses: 0 },
        {
          ...timing,
          intervalMs: 30_000,
        },
      ),
    ).toBe(30_000);
  });
});
