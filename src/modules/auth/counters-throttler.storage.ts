import { Inject, Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { COUNTERS, type Counters } from '../../infra/cache/cache.port.js';

/** @nestjs/throttler's storage on our Counters port: Redis when configured, so the limit is global. */
@Injectable()
export class CountersThrottlerStorage implements ThrottlerStorage {
  constructor(@Inject(COUNTERS) private readonly counters: Counters) {}

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, name: string) {
    const { count, ttlMs } = await this.counters.increment(`rl:${name}:${key}`, ttl);
    const blocked = count > limit;
    const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
    return {
      totalHits: count,
      timeToExpire: seconds,
      isBlocked: blocked,
      timeToBlockExpire: blocked ? seconds : 0,
    };
  }
}
