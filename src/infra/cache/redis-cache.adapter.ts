import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
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

// INCR and start the window on the first hit, atomically, so two instances never both reset it.
const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

// Delete only if we still own it; a lapsed lock re-taken by someone else stays theirs.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

// Check every window of every key, then take a slot in all or none: one script, so instances sharing
// a destination never both pass the check (it replaces a lock plus five round trips per send).
const TAKE_SLOT = `
local now = tonumber(ARGV[1])
local wait = 0
for i = 1, #KEYS do
  for j = 4, #ARGV, 2 do
    local limit = tonumber(ARGV[j])
    local span = tonumber(ARGV[j + 1])
    local n = redis.call('ZCOUNT', KEYS[i], now - span + 1, '+inf')
    if n >= limit then
      local oldest = redis.call('ZRANGEBYSCORE', KEYS[i], now - span + 1, '+inf', 'WITHSCORES', 'LIMIT', n - limit, 1)
      local w = math.max(1, math.ceil(tonumber(oldest[2]) + span - now))
      if w > wait then wait = w end
    end
  end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. (now - tonumber(ARGV[3])))
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
return 0`;

export class RedisCache implements Cache {
  constructor(private readonly redis: Redis) {}
  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.redis.get(`cache:${key}`);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }
  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    await this.redis.set(`cache:${key}`, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs)));
  }
  async del(key: string): Promise<void> {
    await this.redis.del(`cache:${key}`);
  }
}

export class RedisCounters implements Counters {
  constructor(private readonly redis: Redis) {}
  async increment(key: string, windowMs: number): Promise<CounterValue> {
    const [count, ttlMs] = (await this.redis.eval(INCREMENT, 1, `ctr:${key}`, Math.round(windowMs))) as [
      number,
      number,
    ];
    return { count, ttlMs };
  }
  async get(key: string): Promise<CounterValue> {
    const [raw, ttl] = await Promise.all([this.redis.get(`ctr:${key}`), this.redis.pttl(`ctr:${key}`)]);
    return raw === null ? { count: 0, ttlMs: 0 } : { count: Number(raw), ttlMs: Math.max(0, ttl) };
  }
  async reset(key: string): Promise<void> {
    await this.redis.del(`ctr:${key}`);
  }
}

/** Publishes on the shared connection; subscribes on a dedicated one (a subscribed Redis connection can do nothing else). */
export class RedisPubSub implements PubSub {
  private readonly handlers = new Map<string, Set<(m: string) => void>>();
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
  ) {
    // keyPrefix does not apply to channel names; add it ourselves so runs and tenants stay apart.
    this.prefix = redis.options.keyPrefix ?? '';
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const h of this.handlers.get(channel) ?? []) h(message);
    });
  }
  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.prefix + channel, message);
  }
  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    const full = this.prefix + channel;
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      this.pending.set(full, this.subscriber.subscribe(full));
    }
    set.add(handler);
    // Every caller waits for Redis to confirm, not only the first; a message published right after
    // subscribe() resolves is then never missed.
    await this.pending.get(full);
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      set.delete(handler);
      // Only the set still registered for the channel may tear it down: a later subscriber owns a new one.
      if (set.size === 0 && this.handlers.get(full) === set) {
        this.handlers.delete(full);
        this.pending.delete(full);
        await this.subscriber.unsubscribe(full);
      }
    };
  }
}

export class RedisLock implements Lock {
  constructor(private readonly redis: Redis) {}
  async tryAcquire(name: string, ttlMs: number): Promise<LockHandle | null> {
    const token = randomUUID();
    const ok = await this.redis.set(`lock:${name}`, token, 'PX', Math.round(ttlMs), 'NX');
    if (ok !== 'OK') return null;
    return {
      release: async () => {
        await this.redis.eval(RELEASE, 1, `lock:${name}`, token);
      },
    };
  }
}

export class RedisSortedSets implements SortedSets {
  constructor(private readonly redis: Redis) {}
  async add(key: string, entries: { score: number; member: string }[]): Promise<void> {
    if (!entries.length) return;
    await this.redis.zadd(`zset:${key}`, ...entries.flatMap((e) => [e.score, e.member]));
  }
  range(key: string, min: number, max: number): Promise<string[]> {
    return this.redis.zrangebyscore(`zset:${key}`, min, max);
  }
  async last(key: string): Promise<{ score: number; member: string } | undefined> {
    const [member, score] = await this.redis.zrange(`zset:${key}`, -1, -1, 'WITHSCORES');
    return member === undefined ? undefined : { member, score: Number(score) };
  }
  count(key: string, min: number, max: number): Promise<number> {
    return this.redis.zcount(`zset:${key}`, min, max);
  }
  async removeBelow(key: string, score: number): Promise<void> {
    await this.redis.zremrangebyscore(`zset:${key}`, '-inf', `(${score}`);
  }
  async addAndTrim(
    updates: ReadonlyMap<string, { score: number; member: string }[]>,
    minScore: number,
  ): Promise<void> {
    if (!updates.size) return;
    const pipeline = this.redis.pipeline();
    for (const [key, entries] of updates) {
      if (entries.length) pipeline.zadd(`zset:${key}`, ...entries.flatMap((e) => [e.score, e.member]));
      pipeline.zremrangebyscore(`zset:${key}`, '-inf', `(${minScore}`);
    }
    // A pipeline resolves even when commands in it failed: each reply carries its own error.
    const failed = (await pipeline.exec())?.find(([err]) => err)?.[0];
    if (failed) throw failed;
  }
  async takeSlot(
    keys: string[],
    windows: { limit: number; spanMs: number }[],
    now: number,
    member: string,
    keepMs: number,
  ): Promise<number> {
    if (!keys.length) return 0;
    const wait = await this.redis.eval(
      TAKE_SLOT,
      keys.length,
      ...keys.map((k) => `zset:${k}`),
      Math.round(now),
      member,
      Math.ceil(keepMs),
      ...windows.flatMap((w) => [w.limit, Math.ceil(w.spanMs)]),
    );
    return Number(wait);
  }
}

export class RedisBackend implements CacheBackend {
  readonly kind = 'redis' as const;
  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
  ) {}
  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
  async close(): Promise<void> {
    await Promise.allSettled([this.redis.quit(), this.subscriber.quit()]);
  }
}

export function createRedisClient(url: string, keyPrefix: string): Redis {
  return new Redis(url, {
    keyPrefix,
    // Fail fast instead of queueing commands forever while Redis is down; health shows it.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    lazyConnect: false,
    // ioredis 5 sends CLIENT SETINFO after reading its own package.json and only then its ready
    // check (INFO); a SUBSCRIBE written in between fails that check (redis/ioredis#2037) and the
    // client reconnects with an "Unhandled error event". Without it, INFO goes out at connect.
    disableClientInfo: true,
  });
}
