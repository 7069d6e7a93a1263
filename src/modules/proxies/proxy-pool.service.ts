import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import {
  ProxySelector,
  type ProxyChoice,
  type ProxyRequest,
  type ProxySource,
} from '../../infra/http/proxy-selector.js';
import { ProxyUsers } from '../../infra/http/proxy-users.js';
import type { JsonObject } from '../../common/types/json.js';
import { HealthService, type ComponentStatus } from '../system/health.service.js';
import { ProxyServer } from './entities/proxy.entity.js';
import { ProxyChecksService } from './proxy-checks.service.js';
import { rank } from './proxy-ranking.js';

/** Counters for metrics (read by the metrics module later). */
export interface ProxyPoolCounters {
  selections: number;
  /** Answers that were not the consumer's own proxy while it named one. */
  failovers: number;
  held: number;
  direct: number;
}

/**
 * The proxy pool as the rest of the system sees it: plugged into ProxySelector (consumers ask it
 * which proxy to use) and into /system/health as `components.proxy`.
 */
@Injectable()
export class ProxyPoolService implements ProxySource, OnModuleInit {
  readonly counters: ProxyPoolCounters = { selections: 0, failovers: 0, held: 0, direct: 0 };

  constructor(
    @InjectRepository(ProxyServer) private readonly proxies: Repository<ProxyServer>,
    private readonly checks: ProxyChecksService,
    private readonly selector: ProxySelector,
    private readonly users: ProxyUsers,
    private readonly health: HealthService,
  ) {}

  onModuleInit(): void {
    this.selector.use(this);
    this.health.register({
      name: 'proxy',
      check: () => this.componentStatus(),
      details: () => this.details(),
    });
  }

  async choose(req: ProxyRequest): Promise<ProxyChoice> {
    const preferredId = req.preferredId ?? null;
    const usePool = req.usePool ?? true;
    this.counters.selections++;
    if (req.ownerId === null || (preferredId === null && !usePool)) {
      this.counters.direct++;
      return { endpoint: null, via: 'direct' };
    }
    const mine = await this.proxies.findBy({ ownerId: req.ownerId });
    const { chosen, via } = rank(mine, {
      preferredId,
      usePool,
      whenNoneHealthy: req.whenNoneHealthy ?? 'hold',
    });
    if (via === 'direct') this.counters.direct++;
    if (via === 'hold') this.counters.held++;
    if (preferredId !== null && via !== 'preferred') this.counters.failovers++;
    if (!chosen) {
      if (via === 'direct') return { endpoint: null, via };
      throw new AppException('PROXY_UNAVAILABLE', {
        reason: 'no enabled proxy to use, and the policy is hold (never go direct)',
      });
    }
    return { endpoint: this.checks.endpointOf(chosen), via };
  }

  exists(ownerId: number, proxyId: number): Promise<boolean> {
    return this.proxies.existsBy({ ownerId, id: proxyId });
  }

  /**
   * not_configured without proxies; degraded when an owner with a running user that needs a proxy
   * has no healthy enabled proxy; healthy otherwise.
   */
  async componentStatus(): Promise<ComponentStatus> {
    const counts = await this.counts();
    if (counts.total === 0) return 'not_configured';
    return (await this.ownersWithoutHealthy()).length ? 'degraded' : 'healthy';
  }

  private async details(): Promise<JsonObject> {
    const c = await this.counts();
    return {
      total: c.total,
      enabled: c.enabled,
      healthy: c.healthy,
      unhealthy: c.unhealthy,
      unknown: c.unknown,
      owners_needing_a_healthy_proxy: (await this.ownersWithoutHealthy()).length,
      ...this.checks.counters,
      ...this.counters,
    };
  }

  /** Also the ProxySource's counts, for /system/stats. */
  async counts() {
    const rows: { enabled: boolean; status: string; n: string }[] = await this.proxies
      .createQueryBuilder('p')
      .select('p.enabled', 'enabled')
      .addSelect('p.status', 'status')
      .addSelect('count(*)', 'n')
      .groupBy('p.enabled')
      .addGroupBy('p.status')
      .getRawMany();
    const c = { total: 0, enabled: 0, healthy: 0, unhealthy: 0, unknown: 0 };
    for (const r of rows) {
      const n = Number(r.n);
      c.total += n;
      if (!r.enabled) continue;
      c.enabled += n;
      c[r.status as 'healthy' | 'unhealthy' | 'unknown'] += n;
    }
    return c;
  }

  private async ownersWithoutHealthy(): Promise<number[]> {
    const owners = [...(await this.users.ownersNeedingProxy())];
    if (!owners.length) return [];
    const rows: { owner_id: number }[] = await this.proxies
      .createQueryBuilder('p')
      .select('DISTINCT p.owner_id', 'owner_id')
      .where('p.owner_id IN (:...owners) AND p.enabled = true AND p.status = :healthy', {
        owners,
        healthy: 'healthy',
      })
      .getRawMany();
    const ok = new Set(rows.map((r) => Number(r.owner_id)));
    return owners.filter((o) => !ok.has(o));
  }
}
