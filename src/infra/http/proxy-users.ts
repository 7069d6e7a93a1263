import { Injectable } from '@nestjs/common';

/** Something that names a proxy as its own: a strategy, a notification channel, … */
export interface ProxyUser {
  /** 'strategy', 'channel', … (the provider's kind). */
  type: string;
  id: number;
  name: string;
}

/**
 * One source of proxy users. A module whose records may name a proxy (`proxy_id`) registers a
 * provider at start-up; the proxies module asks every provider, so it never reads their tables.
 */
export interface ProxyUserProvider {
  readonly type: string;
  /** For each of the owner's proxies in `proxyIds`, who names it (absent: nobody). */
  usersOf(ownerId: number, proxyIds: number[]): Promise<Map<number, ProxyUser[]>>;
  /** Forced delete of a proxy: its users stop naming it and fall back to the pool. */
  release(ownerId: number, proxyId: number): Promise<void>;
  /** Owners with an active user (a running strategy, say) that needs a proxy now, for /system/health. */
  ownersNeedingProxy?(): Promise<number[]>;
}

/** The registry of proxy-user providers (strategies now; notification channels register the same way). */
@Injectable()
export class ProxyUsers {
  private readonly providers: ProxyUserProvider[] = [];

  register(provider: ProxyUserProvider): void {
    this.providers.push(provider);
  }

  async usersOf(ownerId: number, proxyIds: number[]): Promise<Map<number, ProxyUser[]>> {
    const out = new Map<number, ProxyUser[]>();
    if (!proxyIds.length) return out;
    for (const p of this.providers) {
      for (const [id, users] of await p.usersOf(ownerId, proxyIds)) {
        out.set(id, [...(out.get(id) ?? []), ...users]);
      }
    }
    return out;
  }

  async release(ownerId: number, proxyId: number): Promise<void> {
    for (const p of this.providers) await p.release(ownerId, proxyId);
  }

  async ownersNeedingProxy(): Promise<Set<number>> {
    const owners = new Set<number>();
    for (const p of this.providers) for (const o of (await p.ownersNeedingProxy?.()) ?? []) owners.add(o);
    return owners;
  }
}
