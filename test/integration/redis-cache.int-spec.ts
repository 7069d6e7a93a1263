import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import {
  RedisBackend,
  RedisCache,
  RedisCounters,
  RedisLock,
  RedisSortedSets,
  RedisPubSub,
  createRedisClient,
} from '../../src/infra/cache/redis-cache.adapter.js';
import { cacheContract } from '../support/cache-contract.js';
import { REDIS_URL, describeIfRedis } from '../support/services.js';

// Every key and channel this file touches lives under its own prefix, removed after all.
const PREFIX = `btcw:test:${randomBytes(6).toString('hex')}:`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function eventually(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

describeIfRedis('Redis cache adapters', () => {
  const clients = new Set<Redis>();

  /** A client of this file's prefix (or another one), quit after all if the test has not. */
  function client(keyPrefix = PREFIX): Redis {
    const c = createRedisClient(REDIS_URL!, keyPrefix);
    clients.add(c);
    return c;
  }

  async function quit(...cs: Redis[]): Promise<void> {
    for (const c of cs) {
      clients.delete(c);
      await c.quit();
    }
  }

  afterAll(async () => {
    // keyPrefix is not applied to SCAN patterns (and would be added twice to DEL): use a bare client.
    const admin = createRedisClient(REDIS_URL!, '');
    try {
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 200);
        if (keys.length) await admin.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      await Promise.allSettled([admin.quit(), ...[...clients].map((c) => c.quit())]);
    }
  });

  cacheContract('redis', () => {
    const redis = client();
    const subscriber = client();
    return {
      cache: new RedisCache(redis),
      counters: new RedisCounters(redis),
      pubsub: new RedisPubSub(redis, subscriber),
      lock: new RedisLock(redis),
      sortedSets: new RedisSortedSets(redis),
      advance: (ms) => sleep(ms),
      close: () => quit(redis, subscriber),
    };
  });

  describe('RedisBackend', () => {
    it('is redis and answers ping while connected', async () => {
      const sut = new RedisBackend(client(), client());
      expect(sut.kind).toBe('redis');
      expect(await sut.ping()).toBe(true);
      await sut.close();
    });

    it('ping is false, not an error, once the connection is gone', async () => {
      const redis = client();
      const sut = new RedisBackend(redis, client());
      await sut.close();
      expect(await sut.ping()).toBe(false);
    });
  });

  describe('across instances (separate connections, same prefix)', () => {
    it('two RedisCounters share one counter', async () => {
      const one = client();
      const two = client();
      const key = `shared-${randomUUID()}`;
      const a = new RedisCounters(one);
      const b = new RedisCounters(two);

      expect((await a.increment(key, 10_000)).count).toBe(1);
      expect((await b.increment(key, 10_000)).count).toBe(2);
      await Promise.all([a.increment(key, 10_000), b.increment(key, 10_000)]);
      expect((await a.get(key)).count).toBe(4);
      expect((await b.get(key)).count).toBe(4);

      await b.reset(key);
      expect((await a.get(key)).count).toBe(0);
      await quit(one, two);
    });

    it('two RedisLocks exclude each other', async () => {
      const one = client();
      const two = client();
      const name = `shared-${randomUUID()}`;
      const a = new RedisLock(one);
      const b = new RedisLock(two);

      const held = await a.tryAcquire(name, 10_000);
      expect(held).not.toBeNull();
      expect(await b.tryAcquire(name, 10_000)).toBeNull();

      await held!.release();
      const taken = await b.tryAcquire(name, 10_000);
      expect(taken).not.toBeNull();
      expect(await a.tryAcquire(name, 10_000)).toBeNull();
      await taken!.release();
      await quit(one, two);
    });

    it('two RedisCaches see each other’s writes', async () => {
      const one = client();
      const two = client();
      const key = `shared-${randomUUID()}`;
      await new RedisCache(one).set(key, { v: 1 }, 10_000);
      expect(await new RedisCache(two).get(key)).toEqual({ v: 1 });
      await new RedisCache(two).del(key);
      expect(await new RedisCache(one).get(key)).toBeUndefined();
      await quit(one, two);
    });

    it('a message published by one RedisPubSub reaches the subscribers of another', async () => {
      const [pubA, subA, pubB, subB] = [client(), client(), client(), client()];
      const a = new RedisPubSub(pubA, subA);
      const b = new RedisPubSub(pubB, subB);
      const channel = `shared-${randomUUID()}`;
      const received: string[] = [];
      const unsub = await b.subscribe(channel, (m) => received.push(m));

      await a.publish(channel, 'from-a');
      await eventually(() => received.length === 1);
      expect(received).toEqual(['from-a']);
      await unsub();
      await quit(pubA, subA, pubB, subB);
    });
  });

  describe('prefixes', () => {
    it('the pubsub channel carries the key prefix; a subscriber under another prefix does not receive', async () => {
      const otherPrefix = `btcw:test:${randomBytes(6).toString('hex')}:`;
      const [pub, sub, otherPub, otherSub, raw] = [
        client(),
        client(),
        client(otherPrefix),
        client(otherPrefix),
        client(''),
      ];
      const sut = new RedisPubSub(pub, sub);
      const other = new RedisPubSub(otherPub, otherSub);
      const channel = `events-${randomUUID()}`;

      const rawReceived: { channel: string; message: string }[] = [];
      raw.on('message', (c: string, m: string) => rawReceived.push({ channel: c, message: m }));
      await raw.subscribe(`${PREFIX}${channel}`);
      const otherReceived: string[] = [];
      const unsubOther = await other.subscribe(channel, (m) => otherReceived.push(m));

      await sut.publish(channel, 'ours');
      await eventually(() => rawReceived.length === 1);
      expect(rawReceived).toEqual([{ channel: `${PREFIX}${channel}`, message: 'ours' }]);

      // Published after 'ours': when it arrives, a leaked 'ours' would already have been delivered.
      await other.publish(channel, 'theirs');
      await eventually(() => otherReceived.length > 0);
      expect(otherReceived).toEqual(['theirs']);
      expect(rawReceived).toHaveLength(1);

      await unsubOther();
      await quit(pub, sub, otherPub, otherSub, raw);
    });

    it('stores cache, counter and lock keys under the prefix', async () => {
      const redis = client();
      const raw = client('');
      const id = randomUUID();
      await new RedisCache(redis).set(`c-${id}`, 1, 10_000);
      await new RedisCounters(redis).increment(`n-${id}`, 10_000);
      const handle = await new RedisLock(redis).tryAcquire(`l-${id}`, 10_000);

      expect(
        await raw.exists(`${PREFIX}cache:c-${id}`, `${PREFIX}ctr:n-${id}`, `${PREFIX}lock:l-${id}`),
      ).toBe(3);
      await handle!.release();
      expect(await raw.exists(`${PREFIX}lock:l-${id}`)).toBe(0);
      await quit(redis, raw);
    });
  });
});
