import { describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import type { AppConfig } from '../../config/app-config.js';
import type { CacheBackend } from '../../infra/cache/cache.port.js';
import { SystemClock } from '../../infra/clock/clock.port.js';
import { MemoryCache } from '../../infra/cache/memory-cache.adapter.js';
import { HealthService } from './health.service.js';

const config = { paths: { dataDir: '/' } } as AppConfig;
const db = (ok: boolean) =>
  ({
    query: () => (ok ? Promise.resolve([{ '?column?': 1 }]) : Promise.reject(new Error('down'))),
  }) as unknown as DataSource;
const cache = (kind: 'redis' | 'embedded', up: boolean): CacheBackend => ({
  kind,
  ping: () => Promise.resolve(up),
  close: () => Promise.resolve(),
});

describe('HealthService', () => {
  it('healthy with embedded cache: redis reads "embedded", metrics are numbers', async () => {
    const sut = new HealthService(
      db(true),
      cache('embedded', true),
      config,
      new MemoryCache(new SystemClock()),
    );
    const h = await sut.health();
    expect(h.status).toBe('healthy');
    expect(h.components).toEqual({ database: 'healthy', redis: 'embedded' });
    expect(h.metrics).toEqual({
      cpu_percent: expect.any(Number),
      memory_percent: expect.any(Number),
      disk_percent: expect.any(Number),
      uptime_seconds: expect.any(Number),
    });
  });

  it('Redis down makes the system degraded, not unhealthy', async () => {
    const h = await new HealthService(
      db(true),
      cache('redis', false),
      config,
      new MemoryCache(new SystemClock()),
    ).health();
    expect(h).toMatchObject({ status: 'degraded', components: { database: 'healthy', redis: 'unhealthy' } });
  });

  it('a registered component that fails or throws degrades the status', async () => {
    const sut = new HealthService(db(true), cache('redis', true), config, new MemoryCache(new SystemClock()));
    sut.register({ name: 'freqtrade', check: () => Promise.reject(new Error('boom')) });
    const h = await sut.health();
    expect(h).toMatchObject({ status: 'degraded', components: { freqtrade: 'unhealthy', redis: 'healthy' } });
  });

  it('database down throws DATABASE_UNAVAILABLE (503) carrying the whole report', async () => {
    const err = (await new HealthService(
      db(false),
      cache('redis', true),
      config,
      new MemoryCache(new SystemClock()),
    )
      .health()
      .catch((e: unknown) => e)) as AppException;
    expect(err).toBeInstanceOf(AppException);
    expect(err.code).toBe('DATABASE_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.details).toMatchObject({
      status: 'unhealthy',
      components: { database: 'unhealthy', redis: 'healthy' },
    });
  });
});
