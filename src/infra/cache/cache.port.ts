/**
 * The small ports everything stateful-but-shared builds on. Redis implements them when REDIS_URL
 * is set (so N instances agree); in-process adapters implement them otherwise (embedded mode is
 * one instance by definition). Nothing outside src/infra/cache touches ioredis.
 */
export const CACHE = Symbol('CACHE');
export const COUNTERS = Symbol('COUNTERS');
export const PUBSUB = Symbol('PUBSUB');
export const LOCK = Symbol('LOCK');
export const SORTED_SETS = Symbol('SORTED_SETS');
export const CACHE_BACKEND = Symbol('CACHE_BACKEND');

export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
}

export interface CounterValue {
  count: number;
  /** Milliseconds until the window resets. */
  ttlMs: number;
}

export interface Counters {
  /** Adds 1; the first increment of a window starts its expiry. */
  increment(key: string, windowMs: number): Promise<CounterValue>;
  get(key: string): Promise<CounterValue>;
  reset(key: string): Promise<void>;
}

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
}

export interface LockHandle {
  release(): Promise<void>;
}

export interface Lock {
  /** Null when someone else holds it. The lock lapses after ttlMs even if its holder dies. */
  tryAcquire(name: string, ttlMs: number): Promise<LockHandle | null>;
}

/** Members ordered by a numeric score (a time): Redis sorted sets, or in-process. */
export interface SortedSets {
  /** Adds many (score, member) pairs; a member already present gets the new score. */
  add(key: string, entries: { score: number; member: string }[]): Promise<void>;
  /** Members with min ≤ score ≤ max, ascending by score. */
  range(key: string, min: number, max: number): Promise<string[]>;
  /** The member with the highest score, if any. */
  last(key: string): Promise<{ score: number; member: string } | undefined>;
  count(key: string, min: number, max: number): Promise<number>;
  removeBelow(key: string, score: number): Promise<void>;
  /**
   * `add` to several sets, then `removeBelow(minScore)` on each, in one round trip: how a window of
   * recent entries is kept up to date at ingest rates.
   */
  addAndTrim(
    updates: ReadonlyMap<string, { score: number; member: string }[]>,
    minScore: number,
  ): Promise<void>;
  /**
   * Sliding-window admission in one atomic step: when every set in `keys` holds fewer than `limit`
   * members scored within the last `spanMs` (for each window), adds `member` at `now` to all of them,
   * drops members older than `keepMs` and returns 0; otherwise changes nothing and returns the
   * milliseconds until the oldest member in the way leaves its window.
   */
  takeSlot(
    keys: string[],
    windows: { limit: number; spanMs: number }[],
    now: number,
    member: string,
    keepMs: number,
  ): Promise<number>;
}

/** Liveness of the backend, for /system/health. */
export interface CacheBackend {
  readonly kind: 'redis' | 'embedded';
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Runs fn only if the lock is free; returns undefined when another holder has it. */
export async function runExclusive<T>(
  lock: Lock,
  name: string,
  ttlMs: number,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  const handle = await lock.tryAcquire(name, ttlMs);
  if (!handle) return undefined;
  try {
    return await fn();
  } finally {
    await handle.release();
  }
}
