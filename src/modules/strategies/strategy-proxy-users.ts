import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { JsonObject } from '../../common/types/json.js';
import { ProxySelector, type ProxyRequest } from '../../infra/http/proxy-selector.js';
import { ProxyUsers, type ProxyUser, type ProxyUserProvider } from '../../infra/http/proxy-users.js';
import { Strategy } from './entities/strategy.entity.js';
import { StrategyLogsService } from './strategy-logs.service.js';
import { StrategyVersionWriter } from './strategy-version-writer.service.js';

/** `config.proxy_settings` as stored (the DTO checked its types). */
export interface StrategyProxySettings {
  enabled: boolean;
  proxy_id?: number;
  /** What to do when no proxy is healthy: 'hold' (default, never go direct) or 'direct'. */
  when_unavailable?: 'hold' | 'direct';
}

export function proxySettingsOf(config: JsonObject): StrategyProxySettings | null {
  const ps = config.proxy_settings as StrategyProxySettings | undefined | null;
  return ps && typeof ps === 'object' ? ps : null;
}

/**
 * What a strategy asks the proxy pool: nothing (direct) unless `proxy_settings.enabled`; then its
 * own proxy while healthy, else the pool, else its `when_unavailable` policy.
 */
export function strategyProxyRequest(ownerId: number, config: JsonObject): ProxyRequest | null {
  const ps = proxySettingsOf(config);
  if (!ps?.enabled) return null;
  return {
    ownerId,
    preferredId: typeof ps.proxy_id === 'number' ? ps.proxy_id : null,
    usePool: true,
    whenNoneHealthy: ps.when_unavailable ?? 'hold',
  };
}

const ACTIVE = ['starting', 'running', 'error'] as const;

/**
 * Strategies as users of proxies: tells the proxies module which strategies name a proxy, moves
 * them to the pool when their proxy is force-deleted, and refuses a proxy_id that is not the user's.
 */
@Injectable()
export class StrategyProxyUsers implements ProxyUserProvider, OnModuleInit {
  readonly type = 'strategy';
  private readonly logger = new Logger(StrategyProxyUsers.name);

  constructor(
    @InjectRepository(Strategy) private readonly strategies: Repository<Strategy>,
    private readonly registry: ProxyUsers,
    private readonly selector: ProxySelector,
    private readonly versions: StrategyVersionWriter,
    private readonly logs: StrategyLogsService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  /** 404 PROXY_NOT_FOUND when the config names a proxy the owner does not have. */
  async assertProxyOwned(ownerId: number, config: JsonObject | undefined): Promise<void> {
    const id = config ? proxySettingsOf(config)?.proxy_id : undefined;
    if (typeof id === 'number')
      await this.selector.assertOwned(ownerId, id, 'config.proxy_settings.proxy_id');
  }

  async usersOf(ownerId: number, proxyIds: number[]): Promise<Map<number, ProxyUser[]>> {
    const rows = await this.naming(ownerId, proxyIds);
    const out = new Map<number, ProxyUser[]>();
    for (const s of rows) {
      const id = proxySettingsOf(s.config)!.proxy_id!;
      out.set(id, [...(out.get(id) ?? []), { type: this.type, id: s.id, name: s.name }]);
    }
    return out;
  }

  async release(ownerId: number, proxyId: number): Promise<void> {
    for (const s of await this.naming(ownerId, [proxyId])) {
      const { proxy_id: _gone, ...settings } = proxySettingsOf(s.config)!;
      const config = { ...s.config, proxy_settings: settings as JsonObject };
      const why = `Proxy #${proxyId} was deleted: the strategy now uses the proxy pool`;
      if (s.status === 'draft') {
        await this.strategies.update({ id: s.id }, { config });
      } else {
        await this.versions
          .commit(s, { config }, { changelog: why, userId: ownerId })
          .catch(async (err: Error) => {
            // The config no longer validates (its file went away, say): still forget the proxy.
            this.logger.warn(`strategy ${s.id}: no new version after proxy deletion: ${err.message}`);
            await this.strategies.update({ id: s.id }, { config });
          });
      }
      await this.logs.append(s.id, [{ level: 'WARNING', message: why }]);
    }
  }

  async ownersNeedingProxy(): Promise<number[]> {
    const rows: { owner_id: number }[] = await this.strategies
      .createQueryBuilder('s')
      .select('DISTINCT s.owner_id', 'owner_id')
      .where({ status: In([...ACTIVE]) })
      .andWhere(`s.config->'proxy_settings'->>'enabled' = 'true'`)
      .getRawMany();
    return rows.map((r) => Number(r.owner_id));
  }

  private naming(ownerId: number, proxyIds: number[]): Promise<Strategy[]> {
    if (!proxyIds.length) return Promise.resolve([]);
    return this.strategies
      .createQueryBuilder('s')
      .where('s.owner_id = :ownerId', { ownerId })
      .andWhere(`s.config->'proxy_settings'->>'proxy_id' IN (:...ids)`, { ids: proxyIds.map(String) })
      .orderBy('s.id')
      .getMany();
  }
}
