import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import type { InjectOptions, Response } from 'light-my-request';
import { Test } from '@nestjs/testing';
import { createApp, type AppBuilder } from '../../src/app.factory.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { createDataDir, createTestDatabase } from './databases.js';
import { PG_ADMIN_URL, REDIS_URL, type Mode } from './services.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  mode: Mode;
  dataDir: string;
  request(opts: InjectOptions): Promise<Response>;
  /** Every log line the app wrote (JSON-parsed), when started with captureLogs. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  mode: Mode;
  env?: Record<string, string>;
  /** Start from an empty database (migrations run at boot) instead of the migrated template. */
  freshDatabase?: boolean;
  /** Reuse a data dir / database of an earlier instance (restart tests). */
  reuse?: { dataDir: string; databaseUrl?: string };
  /** Capture log lines at info level and above into `logs` instead of discarding them. */
  captureLogs?: boolean;
  /** Providers replaced by fakes (ports to outside systems), e.g. the strategy runtime. */
  overrides?: { provide: unknown; useValue: unknown }[];
}

/** Builds through Nest's testing module, so ports can be replaced by fakes. */
function overridingBuilder(overrides: { provide: unknown; useValue: unknown }[]): AppBuilder {
  return async (root, adapter, options) => {
    let builder = Test.createTestingModule({ imports: [root] });
    for (const o of overrides) builder = builder.overrideProvider(o.provide).useValue(o.useValue);
    const moduleRef = await builder.compile();
    return moduleRef.createNestApplication<NestFastifyApplication>(adapter, options);
  };
}

/**
 * Boots the whole application (not listening; requests go through app.inject) on its own
 * database: an embedded data dir copied from the template, or a new PostgreSQL database created
 * from the template, with Redis under a key prefix of its own when Redis is available.
 */
export async function startTestApp(opts: TestAppOptions): Promise<TestApp> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const dataDir =
    opts.reuse?.dataDir ?? createDataDir({ withDatabase: opts.mode === 'embedded' && !opts.freshDatabase });
  const dir = typeof dataDir === 'string' ? dataDir : dataDir.dir;
  if (typeof dataDir !== 'string') cleanups.push(dataDir.remove);

  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DB_POOL_MIN: '1',
    DB_POOL_MAX: '5',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'admin-password-1',
  };
  if (opts.mode === 'postgres') {
    if (!PG_ADMIN_URL) throw new Error('postgres mode needs TEST_PG_URL');
    if (opts.reuse?.databaseUrl) env.DATABASE_URL = opts.reuse.databaseUrl;
    else {
      const db = await createTestDatabase(PG_ADMIN_URL, { migrated: !opts.freshDatabase });
      env.DATABASE_URL = db.url;
      cleanups.push(db.drop);
    }
    if (REDIS_URL) {
      const prefix = `btcw:test:${randomBytes(4).toString('hex')}:`;
      env.REDIS_URL = REDIS_URL;
      env.REDIS_KEY_PREFIX = prefix;
      cleanups.push(() => deleteRedisPrefix(REDIS_URL!, prefix));
    }
  }
  Object.assign(env, opts.env);

  const logs: Record<string, unknown>[] = [];
  if (opts.captureLogs) env.LOG_LEVEL = 'info';
  const config = loadConfig(env);
  const logger = opts.captureLogs
    ? createLogger(config.log, {
        write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>),
      })
    : undefined;
  const { app } = await createApp(config, {
    logger,
    build: opts.overrides?.length ? overridingBuilder(opts.overrides) : undefined,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  let closed = false;
  return {
    app,
    config,
    mode: opts.mode,
    dataDir: dir,
    request: (o) => app.inject(o),
    logs,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      for (const c of cleanups.reverse()) await c();
    },
  };
}

async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** JSON body of a response, typed loosely for assertions. */
export function body<T = Record<string, any>>(res: Response): T {
  return res.json() as T;
}
