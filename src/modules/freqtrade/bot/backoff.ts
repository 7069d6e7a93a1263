/** Delay before restart attempt `n` (1-based): 1 s doubling, capped (5 min by default). */
export function restartDelayMs(attempt: number, baseMs = 1000, capMs = 5 * 60_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** Restarts within the last hour, as a sliding window of timestamps. */
export class RestartBudget {
  private readonly times: number[] = [];

  constructor(
    private readonly perHour: number,
    private readonly windowMs = 3_600_000,
  ) {}

  /** Records a restart at `now` when the budget allows one; false when it is spent. */
  take(now: number): boolean {
    this.prune(now);
    if (this.times.length >= this.perHour) return false;
    this.times.push(now);
    return true;
  }

  countSince(now: number): number {
    this.prune(now);
    return this.times.length;
  }

  private prune(now: number): void {
    while (this.times.length && this.times[0] <= now - this.windowMs) this.times.shift();
  }
}
