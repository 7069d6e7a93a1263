import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { createRedisClient } from '../../infra/cache/redis-cache.adapter.js';

/**
 * socket.io across instances: with Redis configured, socket.io's own cluster operations (a
 * broadcast without `.local`, fetchSockets, serverSideEmit) reach every instance. Realtime messages
 * do not need it: the RealtimeBus hands each batch to every instance, which emits locally. The
 * channel key carries REDIS_KEY_PREFIX, so installations (and test runs) sharing a Redis stay apart.
 */
export class RedisIoAdapter extends IoAdapter {
  private clients: Redis[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly redis: { url: string; keyPrefix: string },
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options) as Server;
    // Pub/sub connections without a key prefix: the adapter names its channels itself (below).
    const pub = createRedisClient(this.redis.url, '');
    const sub = createRedisClient(this.redis.url, '');
    this.clients.push(pub, sub);
    server.adapter(createAdapter(pub, sub, { key: `${this.redis.keyPrefix}socket.io` }));
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await Promise.allSettled(this.clients.map((c) => c.quit()));
    this.clients = [];
  }
}
