import { Global, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { CLOCK, SystemClock, type Clock } from '../clock/clock.port.js';
import {
  CACHE,
  CACHE_BACKEND,
  COUNTERS,
  LOCK,
  PUBSUB,
  SORTED_SETS,
  type CacheBackend,
} from './cache.port.js';
import {
  MemoryBackend,
  MemoryCache,
  MemoryCounters,
  MemoryLock,
  MemoryPubSub,
  MemorySortedSets,
} from './memory-cache.adapter.js';
import {
  RedisBackend,
  RedisCache,
  RedisCounters,
  RedisLock,
  RedisPubSub,
  RedisSortedSets,
  createRedisClient,
} from './redis-cache.adapter.js';

interface Adapters {
  cache: unknown;
  counters: unknown;
  pubsub: unknown;
  lock: unknown;
  sortedSets: unknown;
  backend: CacheBackend;
}

const ADAPTERS = Symbol('CACHE_ADAPTERS');

function build(config: AppConfig, clock: Clock): Adapters {
  if (config.redis) {
    const redis: Redis = createRedisClient(config.redis.url, config.redis.keyPrefix);
    const subscriber: Redis = createRedisClient(config.redis.url, config.redis.keyPrefix);
    return {
      cache: new RedisCache(redis),
      counters: new RedisCounters(redis),
      pubsub: new RedisPubSub(redis, subscriber),
      lock: new RedisLock(redis),
      sortedSets: new RedisSortedSets(redis),
      backend: new RedisBackend(redis, subscriber),
    };
  }
  const cache = new MemoryCache(clock);
  const counters = new MemoryCounters(clock);
  const lock = new MemoryLock(clock);
  return {
    cache,
    counters,
    pubsub: new MemoryPubSub(),
    lock,
    sortedSets: new MemorySortedSets(),
    backend: new MemoryBackend([cache.store, counters.store, lock.held]),
  };
}

const providers: Provider[] = [
  { provide: CLOCK, useClass: SystemClock },
  { provide: ADAPTERS, inject: [APP_CONFIG, CLOCK], useFactory: build },
  { provide: CACHE, inject: [ADAPTERS], useFactory: (a: Adapters) => a.cache },
  { provide: COUNTERS, inject: [ADAPTERS], useFactory: (a: Adapters) => a.counters },
  { provide: PUBSUB, inject: [ADAPTERS], useFactory: (a: Adapters) => a.pubsub },
  { provide: LOCK, inject: [ADAPTERS], useFactory: (a: Adapters) => a.lock },
  { provide: SORTED_SETS, inject: [ADAPTERS], useFactory: (a: Adapters) => a.sortedSets },
  { provide: CACHE_BACKEND, inject: [ADAPTERS], useFactory: (a: Adapters) => a.backend },
];

@Global()
@Module({ providers, exports: [CLOCK, CACHE, COUNTERS, PUBSUB, LOCK, SORTED_SETS, CACHE_BACKEND] })
export class CacheModule implements OnApplicationShutdown {
  constructor(@Inject(CACHE_BACKEND) private readonly backend: CacheBackend) {}

  async onApplicationShutdown(): Promise<void> {
    await this.backend.close();
  }
}
