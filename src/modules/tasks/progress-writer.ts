/**
 * Persists one task's progress at most every `intervalMs`: the first report is written at once,
 * later ones within the interval are coalesced into one trailing write of the newest value.
 * Writes never overlap, so an older value cannot land after a newer one.
 */
export class ProgressWriter {
  private lastWriteAt = -Infinity;
  private dirty = false;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly write: () => Promise<void>,
    private readonly now: () => number,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The value changed; it will reach the database within intervalMs. */
  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer) return;
    const wait = this.lastWriteAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
      this.timer.unref();
    }
  }

  /** Stops writing and waits for a write in flight; the caller writes the final value itself. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  /** Reopens after close (a retry runs the work again). */
  reopen(): void {
    this.closed = false;
    this.dirty = false;
  }

  private flush(): void {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    this.lastWriteAt = this.now();
    this.chain = this.chain.then(() => this.write().catch(this.onError));
  }
}
