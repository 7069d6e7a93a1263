import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../src/infra/cache/redis-cache.adapter.js';
import { REDIS_URL, describeIfRedis } from '../support/services.js';

/**
 * ioredis 5 (redis/ioredis#2037): a SUBSCRIBE written between the connection's 'connect' and its
 * ready check puts the connection in subscriber mode before the check's INFO, so the check fails,
 * the client logs an unhandled error and reconnects. A faster start made the server's subscribers
 * (pub/sub port, socket.io adapter) land in that window. In a file of its own: ioredis caches what
 * widens the window (its package.json, read once per process) after the first client.
 */
describeIfRedis('Redis clients subscribing while they connect', () => {
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));

  it('enter subscriber mode without a failed ready check', async () => {
    const errors: string[] = [];
    const prefix = `btcw:test:${randomBytes(6).toString('hex')}:`;
    const subscribed = Array.from({ length: 4 }, (_, i) => {
      const c = createRedisClient(REDIS_URL!, prefix);
      clients.push(c);
      c.on('error', (err: Error) => errors.push(err.message));
      // Subscribe at the first turn of the event loop that sees the connection up but not ready.
      return new Promise<unknown>((resolve, reject) => {
        const poll = () => {
          if (c.status === 'connect') c.subscribe(`race-${i}`).then(resolve, reject);
          else if (c.status === 'ready') reject(new Error('ready before the test could subscribe'));
          else setImmediate(poll);
        };
        poll();
      });
    });
    await Promise.all(subscribed);
    await new Promise((r) => setTimeout(r, 300)); // a failed ready check reports shortly after
    expect(errors).toEqual([]);
    expect(clients.map((c) => c.status)).toEqual(['ready', 'ready', 'ready', 'ready']);
  });
});
