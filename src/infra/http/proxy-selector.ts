import { Injectable } from '@nestjs/common';
import type { ProxyEndpoint } from './proxy-endpoint.js';

/** What a consumer (a notification channel, the market-data client, a version check) asks the pool. */
export interface ProxyRequest {
  ownerId: number | null;
  /** The consumer's own proxy; the pool fails over from it when it is unhealthy. */
  preferredId?: number | null;
  /** false: the consumer wants no proxy unless it named one. */
  usePool?: boolean;
}

export interface ProxySource {
  /** null: go direct. Throws (an AppException with a clear code) when policy says hold. */
  select(req: ProxyRequest): Promise<ProxyEndpoint | null>;
  /** For /system/health `components.proxy`: the pool's state (cheap: in-memory). */
  health?(): Promise<'healthy' | 'degraded' | 'unhealthy' | 'not_configured'>;
  /** For /system/stats: proxies passing their last check, and all enabled ones. */
  counts?(): Promise<{ healthy: number; total: number }>;
}

/**
 * The one place consumers ask which proxy to use. Until the proxy pool plugs itself in (ProxiesModule
 * calls `use`), everything goes direct, so consumers never depend on the proxies module directly.
 */
@Injectable()
export class ProxySelector {
  private source: ProxySource = { select: () => Promise.resolve(null) };

  use(source: ProxySource): void {
    this.source = source;
  }

  select(req: ProxyRequest): Promise<ProxyEndpoint | null> {
    return this.source.select(req);
  }

  /** `not_configured` until a pool that reports its health is plugged in. */
  health(): Promise<'healthy' | 'degraded' | 'unhealthy' | 'not_configured'> {
    return this.source.health?.() ?? Promise.resolve('not_configured');
  }

  /** null until a pool that counts its proxies is plugged in. */
  counts(): Promise<{ healthy: number; total: number } | null> {
    return this.source.counts?.() ?? Promise.resolve(null);
  }
}
