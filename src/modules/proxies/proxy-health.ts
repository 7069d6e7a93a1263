import type { ProxyStatus } from './entities/proxy.entity.js';

/** Consecutive successes that bring an unhealthy proxy back (no flapping on one lucky check). */
export const RECOVERY_SUCCESSES = 2;

export interface HealthState {
  status: ProxyStatus;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface HealthStep {
  next: HealthState;
  /** The status it moved to, when it moved. */
  transition: ProxyStatus | null;
}

/** Failures in a row that make a proxy unhealthy: `retry_count`, at least one. */
export const failureThreshold = (retryCount: number) => Math.max(1, retryCount);

/**
 * The health state machine. A failure makes a proxy unhealthy once `retry_count` happened in a
 * row; an unhealthy proxy needs RECOVERY_SUCCESSES in a row to be healthy again. A proxy never
 * checked (unknown) becomes healthy on its first success.
 */
export function applyCheck(s: HealthState, ok: boolean, retryCount: number): HealthStep {
  if (ok) {
    const successes = s.consecutiveSuccesses + 1;
    const healthy = s.status !== 'unhealthy' || successes >= RECOVERY_SUCCESSES;
    const status: ProxyStatus = healthy ? 'healthy' : 'unhealthy';
    return {
      next: { status, consecutiveFailures: 0, consecutiveSuccesses: successes },
      transition: status !== s.status ? status : null,
    };
  }
  const failures = s.consecutiveFailures + 1;
  const status: ProxyStatus = failures >= failureThreshold(retryCount) ? 'unhealthy' : s.status;
  return {
    next: { status, consecutiveFailures: failures, consecutiveSuccesses: 0 },
    transition: status !== s.status ? status : null,
  };
}

export interface CheckTiming {
  intervalMs: number;
  retryDelayMs: number;
  unhealthyRecheckMs: number;
}

/**
 * When to check next. While a verdict is pending (failures below the threshold, or an unhealthy
 * proxy's first success) the next check comes after the short retry delay, so a dead proxy is
 * declared dead — and a pool fails over — well within one interval. A dead proxy is re-checked
 * at least every `unhealthyRecheckMs`, so its recovery is noticed without waiting an hour.
 */
export function nextCheckDelay(s: HealthState, t: CheckTiming): number {
  const pending =
    (s.status !== 'unhealthy' && s.consecutiveFailures > 0) ||
    (s.status === 'unhealthy' && s.consecutiveSuccesses > 0);
  if (pending) return Math.min(t.retryDelayMs, t.intervalMs);
  if (s.status === 'unhealthy') return Math.min(t.unhealthyRecheckMs, t.intervalMs);
  return t.intervalMs;
}
