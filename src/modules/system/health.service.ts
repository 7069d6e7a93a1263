import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { AppException } from '../../common/errors/app.exception.js';
import { wireTimestamp } from '../../common/http/envelope.js';
import { CACHE, CACHE_BACKEND, type Cache, type CacheBackend } from '../../infra/cache/cache.port.js';
import { HostMetrics } from './host-metrics.js';
import type { JsonObject } from '../../common/types/json.js';
import type { HealthResponseDto } from './dto/health.response.dto.js';

export type ComponentStatus = 'healthy' | 'degraded' | 'unhealthy' | 'embedded' | 'not_configured';

/** A component later modules add to /system/health (freqtrade, proxy, …). */
export interface HealthIndicator {
  name: string;
  /**
   * Unhealthy here makes the whole system degraded; only the database makes it unhealthy. Runs on
   * every health call (a component going down shows at once), so it must be cheap: in-memory state
   * or one trivial query.
   */
  check(): Promise<ComponentStatus>;
  /** Figures shown under `details.<name>` (versions, counts); never secrets. */
  details?(): Promise<JsonObject>;
}

const DB_TIMEOUT_MS = 2000;
/** Spec §4.4: system status is cached 30 s (the details and host figures; components are always live). */
export const HEALTH_CACHE_MS = 30_000;
const EXTRAS_KEY = 'system:health:extras';

type Extras = Pick<HealthResponseDto, 'details'> & {
  metrics: Omit<HealthResponseDto['metrics'], 'uptime_seconds'>;
};

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);
}

@Injectable()
export class HealthService {
  private readonly indicators: HealthIndicator[] = [];
  private readonly host = new HostMetrics();
  private readonly startedAt = Date.now();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CACHE_BACKEND) private readonly cache: CacheBackend,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CACHE) private readonly store: Cache,
  ) {}

  register(indicator: HealthIndicator): void {
    this.indicators.push(indicator);
  }

  /**
   * Throws DATABASE_UNAVAILABLE (503) carrying the full report when the database is down. Every
   * component is checked on each call; the details and host figures come from a 30 s cache.
   */
  async health(): Promise<HealthResponseDto> {
    const [database, redis, ...others] = await Promise.all([
      this.database(),
      this.redis(),
      ...this.indicators.map((i) => i.check().catch((): ComponentStatus => 'unhealthy')),
    ]);
    const components: Record<string, ComponentStatus> = { database, redis };
    this.indicators.forEach((i, n) => (components[i.name] = others[n]!));
    const status =
      database === 'unhealthy'
        ? 'unhealthy'
        : Object.values(components).some((c) => c === 'unhealthy' || c === 'degraded')
          ? 'degraded'
          : 'healthy';
    const extras = await this.extras(status === 'unhealthy');
    const report: HealthResponseDto = {
      status,
      timestamp: wireTimestamp(),
      components,
      details: extras.details,
      metrics: { ...extras.metrics, uptime_seconds: Math.floor((Date.now() - this.startedAt) / 1000) },
    };
    if (status === 'unhealthy') throw new AppException('DATABASE_UNAVAILABLE', report);
    return report;
  }

  /** Details and host figures: cached 30 s through the cache port (computed afresh when the database is down). */
  private async extras(fresh: boolean): Promise<Extras> {
    const cached = fresh ? undefined : await this.store.get<Extras>(EXTRAS_KEY).catch(() => undefined);
    if (cached) return cached;
    const details: Record<string, JsonObject> = {};
    await Promise.all(
      this.indicators.map(async (i) => {
        if (i.details) details[i.name] = await i.details().catch(() => ({ error: 'unavailable' }));
      }),
    );
    const extras: Extras = {
      details,
      metrics: {
        cpu_percent: this.host.cpuPercent(),
        memory_percent: this.host.memoryPercent(),
        disk_percent: await this.host.diskPercent(this.config.paths.dataDir),
      },
    };
    if (!fresh) await this.store.set(EXTRAS_KEY, extras, HEALTH_CACHE_MS).catch(() => undefined);
    return extras;
  }

  private async database(): Promise<ComponentStatus> {
    try {
      await withTimeout(this.db.query('SELECT 1'), DB_TIMEOUT_MS);
      return 'healthy';
    } catch {
      return 'unhealthy';
    }
  }

  private async redis(): Promise<ComponentStatus> {
    if (this.cache.kind === 'embedded') return 'embedded';
    return (await this.cache.ping()) ? 'healthy' : 'unhealthy';
  }
}
