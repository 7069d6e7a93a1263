import type { ProxyStatus } from './entities/proxy.entity.js';

export interface RankedCandidate {
  id: number;
  enabled: boolean;
  status: ProxyStatus;
  priority: number;
  latencyMs: number | null;
}

export interface Ranking<T extends RankedCandidate> {
  chosen: T | null;
  via: 'preferred' | 'pool' | 'hold' | 'direct';
}

const usable = (p: RankedCandidate) => p.enabled && p.status !== 'unhealthy';
const STATUS_ORDER: Record<ProxyStatus, number> = { healthy: 0, unknown: 1, unhealthy: 2 };

/** Healthy before never-checked, then priority (1 first), then lower latency, then the older one. */
export function byPreference(a: RankedCandidate, b: RankedCandidate): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    a.priority - b.priority ||
    (a.latencyMs ?? Number.MAX_SAFE_INTEGER) - (b.latencyMs ?? Number.MAX_SAFE_INTEGER) ||
    a.id - b.id
  );
}

/**
 * Which of an owner's proxies a consumer gets. Its own proxy while that is usable (enabled, not
 * unhealthy); else the pool's best usable one (when it accepts the pool); else the policy: 'direct'
 * goes without, 'hold' keeps to its own proxy (or the pool's first by priority) although it is down.
 * `chosen` null with `via: 'hold'`: the consumer's own proxy is disabled or gone and nothing else is enabled.
 */
export function rank<T extends RankedCandidate>(
  proxies: T[],
  req: { preferredId: number | null; usePool: boolean; whenNoneHealthy: 'hold' | 'direct' },
): Ranking<T> {
  const preferred = req.preferredId === null ? undefined : proxies.find((p) => p.id === req.preferredId);
  if (preferred && usable(preferred)) return { chosen: preferred, via: 'preferred' };
  const pool = req.usePool ? proxies.filter((p) => p.enabled) : [];
  const best = pool.filter(usable).sort(byPreference)[0];
  if (best) return { chosen: best, via: 'pool' };
  if (req.whenNoneHealthy === 'direct') return { chosen: null, via: 'direct' };
  const held =
    (preferred?.enabled ? preferred : undefined) ??
    [...pool].sort((a, b) => a.priority - b.priority || a.id - b.id)[0] ??
    null;
  // Hold protects users who rely on proxies from silently going direct. A consumer that named no
  // proxy, of an owner with no enabled proxy at all, has nothing to protect: it goes direct.
  if (!held && req.preferredId === null) return { chosen: null, via: 'direct' };
  return { chosen: held, via: 'hold' };
}
