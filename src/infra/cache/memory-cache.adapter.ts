import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock/clock.port.js';
import type {
  Cache,
  CacheBackend,
  CounterValue,
  Counters,
  Lock,
  LockHandle,
  PubSub,
  SortedSets,
  Unsubscribe,
} from './cache.port.js';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** Expiring map shared by the in-process adapters; expired entries are dropped on read and by a sweep. */
class ExpiringMap<T> {
  private readonly map = new Map<string, Entry<T>>();
  constructor(private readonly clock: Clock) {}

  get(key: string): Entry<T> | undefined {
    const e = this.map.get(key);
    if (e && e.expiresAt <= this.clock.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }
  set(key: string, value: T, ttlMs: number): void {
    this.map.set(key, { value, expiresAt: this.clock.now() + ttlMs });
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  sweep(): void {
    const now = this.clock.now();
    for (const [k, e] of this.map) if (e.expiresAt <= now) this.map.delete(k);
  }
}

export class MemoryCache implements Cache {
  readonly store: ExpiringMap<string>;
  constructor(clock: Clock) {
    this.store = new ExpiringMap(clock);
  }
  get<T>(key: string): Promise<T | undefined> {
    const e = this.store.get(key);
    // Values are stored serialised so callers never share mutable objects, as with Redis.
    return Promise.resolve(e ? (JSON.parse(e.value) as T) : undefined);
  }
  set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    this.store.set(key, JSON.stringify(value), ttlMs);
    return Promise.resolve();
  }
  del(key: string): Promise<void> {
    this.store.delete(key);
    return Promise.resolve();
  }
}

export class MemoryCounters implements Counters {
  readonly store: ExpiringMap<number>;
  constructor(private readonly clock: Clock) {
    this.store = new ExpiringMap(clock);
  }
  increment(key: string, windowMs: number): Promise<CounterValue> {
    const e = this.store.get(key);
    if (!e) {
      this.store.set(key, 1, windowMs);
      return Promise.resolve({ count: 1, ttlMs: windowMs });
    }
    e.value += 1;
    return Promise.resolve({ count: e.value, ttlMs: e.expiresAt - this.clock.now() });
  }
  get(key: string): Promise<CounterValue> {
    const e = this.store.get(key);
    return Promise.resolve(
      e ? { count: e.value, ttlMs: e.expiresAt - this.clock.now() } : { count: 0, ttlMs: 0 },
    );
  }
  reset(key: string): Promise<void> {
    this.store.delete(key);
    return Promise.resolve();
  }
}

export class MemoryPubSub implements PubSub {
  private readonly handlers = new Map<string, Set<(m: string) => void>>();
  publish(channel: string, message: string): Promise<void> {
    // Delivered asynchronously, like a broker, so publishers never run subscriber code inline.
    for (const h of this.handlers.get(channel) ?? []) queueMicrotask(() => h(message));
    return Promise.resolve();
  }
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    return Promise.resolve(() => {
      set.delete(handler);
      return Promise.resolve();
    });
  }
}

export class MemoryLock implements Lock {
  readonly held: ExpiringMap<string>;
  constructor(clock: Clock) {
    this.held = new ExpiringMap(clock);
  }
  tryAcquire(name: string, ttlMs: number): Promise<LockHandle | null> {
    if (this.held.get(name)) return Promise.resolve(null);
    const token = randomUUID();
    this.held.set(name, token, ttlMs);
    return Promise.resolve({
      release: () => {
        if (this.held.get(name)?.value === token) this.held.delete(name);
        return Promise.resolve();
      },
    });
  }
}

/** Owns the in-process stores' sweep timer. */
export class MemoryBackend implements CacheBackend {
  readonly kind = 'embedded' as const;
  private readonly timer: NodeJS.Timeout;
  constructor(stores: { sweep(): void }[]) {
    this.timer = setInterval(() => stores.forEach((s) => s.sweep()), 30_000);
    this.timer.unref();
  }
  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }
  close(): Promise<void> {
    clearInterval(this.timer);
    return Promise.resolve();
  }
}

/** Sorted sets in memory: a score per member, sorted when read (sizes here are the 24 h window's). */
export class MemorySortedSets implements SortedSets {
  private readonly sets = new Map<string, Map<string, number>>();

  private set(key: string): Map<string, number> {
    let s = this.sets.get(key);
    if (!s) this.sets.set(key, (s = new Map()));
    return s;
  }
  private sorted(key: string): [string, number][] {
    return [...(this.sets.get(key) ?? [])].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  }
  add(key: string, entries: { score: number; member: string }[]): Promise<void> {
    const s = this.set(key);
    for (const e of entries) s.set(e.member, e.score);
    return Promise.resolve();
  }
  range(key: string, min: number, max: number): Promise<string[]> {
    return Promise.resolve(
      this.sorted(key)
        .filter(([, sc]) => sc >= min && sc <= max)
        .map(([m]) => m),
    );
  }
  last(key: string): Promise<{ score: number; member: string } | undefined> {
    const all = this.sorted(key);
    const top = all[all.length - 1];
    return Promise.resolve(top ? { member: top[0], score: top[1] } : undefined);
  }
  count(key: string, min: number, max: number): Promise<number> {
    let n = 0;
    for (const sc of this.sets.get(key)?.values() ?? []) if (sc >= min && sc <= max) n++;
    return Promise.resolve(n);
  }
  removeBelow(key: string, score: number): Promise<void> {
    const s = this.sets.get(key);
    if (s) for (const [m, sc] of s) if (sc < score) s.delete(m);
    return Promise.resolve();
  }
  addAndTrim(
    updates: ReadonlyMap<string, { score: number; member: string }[]>,
    minScore: number,
  ): Promise<void> {
    // Applied before returning, like every method here: a read issued afterwards sees it.
    for (const [key, entries] of updates) {
      void this.add(key, entries);
      void this.removeBelow(key, minScore);
    }
    return Promise.resolve();
  }
  takeSlot(
    keys: string[],
    windows: { limit: number; spanMs: number }[],
    now: number,
    member: string,
    keepMs: number,
  ): Promise<number> {
    // Same arithmetic as the Redis script; in-process it is atomic by construction.
    let wait = 0;
    for (const key of keys) {
      const scores = [...(this.sets.get(key)?.values() ?? [])].sort((a, b) => a - b);
      for (const w of windows) {
        const inWindow = scores.filter((sc) => sc >= now - w.spanMs + 1);
        if (inWindow.length >= w.limit) {
          const oldest = inWindow[inWindow.length - w.limit]!;
          wait = Math.max(wait, Math.max(1, Math.ceil(oldest + w.spanMs - now)));
        }
      }
    }
    if (wait > 0) return Promise.resolve(wait);
    for (const key of keys) {
      void this.add(key, [{ score: now, member }]);
      void this.removeBelow(key, now - keepMs);
    }
    return Promise.resolve(0);
  }
}
