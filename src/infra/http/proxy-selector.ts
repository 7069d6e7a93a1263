import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception.js';
import type { ProxyEndpoint } from './proxy-endpoint.js';

/** What a consumer does when none of the proxies it may use is healthy. */
export type WhenNoneHealthy = 'hold' | 'direct';

/** What a consumer (a strategy's bot, a notification channel, a version check) asks the pool. */
export interface ProxyRequest {
  ownerId: number | null;
  /** The consumer's own proxy; the pool fails over from it when it is unhealthy. */
  preferredId?: number | null;
  /** false: the consumer wants no proxy unless it named one. */
  usePool?: boolean;
  /**
   * 'hold' (default): never go direct; keep to the consumer's own proxy (or the pool's first) even
   * while it is down. 'direct': go without a proxy until one is healthy again.
   */
  whenNoneHealthy?: WhenNoneHealthy;
}

/**
 * The pool's answer. `via` says why: the consumer's own proxy, the pool's best, held on to while
 * every candidate is down (policy hold), or direct (no proxy wanted, none configured, or policy direct).
 */
export interface ProxyChoice {
  endpoint: ProxyEndpoint | null;
  via: 'preferred' | 'pool' | 'hold' | 'direct';
}

export interface ProxySource {
  /** Throws PROXY_UNAVAILABLE when policy says hold and the owner has no proxy to hold on to. */
  choose(req: ProxyRequest): Promise<ProxyChoice>;
  /** Whether the owner has a proxy with this id (for validating references to it). */
  exists(ownerId: number, proxyId: number): Promise<boolean>;
  /** For /system/stats: proxies passing their last check, and all enabled ones. */
  counts?(): Promise<{ healthy: number; total: number }>;
}

const directOnly: ProxySource = {
  choose: () => Promise.resolve({ endpoint: null, via: 'direct' }),
  exists: () => Promise.resolve(false),
};

/**
 * The one place consumers ask which proxy to use. Until the proxy pool plugs itself in (ProxiesModule
 * calls `use`), everything goes direct, so consumers never depend on the proxies module directly.
 */
@Injectable()
export class ProxySelector {
  private source: ProxySource = directOnly;

  /** Plugs a source in; answers the one it replaced (tests put it back). */
  use(source: ProxySource): ProxySource {
    const previous = this.source;
    this.source = source;
    return previous;
  }

  /** null: go direct. */
  async select(req: ProxyRequest): Promise<ProxyEndpoint | null> {
    return (await this.source.choose(req)).endpoint;
  }

  choose(req: ProxyRequest): Promise<ProxyChoice> {
    return this.source.choose(req);
  }

  /** 404 PROXY_NOT_FOUND unless the owner has this proxy (another user's proxy is just as unknown). */
  async assertOwned(ownerId: number, proxyId: number, field = 'proxy_id'): Promise<void> {
    if (!(await this.source.exists(ownerId, proxyId)))
      throw new AppException('PROXY_NOT_FOUND', { id: proxyId, field });
  }

  /** null until a pool that counts its proxies is plugged in. */
  counts(): Promise<{ healthy: number; total: number } | null> {
    return this.source.counts?.() ?? Promise.resolve(null);
  }
}
