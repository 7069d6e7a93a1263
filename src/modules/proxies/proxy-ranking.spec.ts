import { describe, expect, it } from '@jest/globals';
import type { ProxyStatus } from './entities/proxy.entity.js';
import { rank, type RankedCandidate } from './proxy-ranking.js';

const p = (
  id: number,
  status: ProxyStatus,
  priority: number,
  latencyMs: number | null = 100,
  enabled = true,
): RankedCandidate => ({ id, status, priority, latencyMs, enabled });

const pool = { preferredId: null, usePool: true, whenNoneHealthy: 'hold' as const };

describe('proxy ranking', () => {
  it('picks the healthy proxy with the best priority, ties broken by lower latency', () => {
    const r = rank([p(1, 'healthy', 2, 10), p(2, 'healthy', 1, 300), p(3, 'healthy', 1, 120)], pool);
    expect(r).toEqual({ chosen: expect.objectContaining({ id: 3 }), via: 'pool' });
  });

  it('prefers healthy over never-checked, and never picks unhealthy or disabled ones from the pool', () => {
    expect(rank([p(1, 'unknown', 1), p(2, 'healthy', 5)], pool).chosen?.id).toBe(2);
    expect(
      rank([p(1, 'unhealthy', 1), p(2, 'healthy', 5, 1, false), p(3, 'unknown', 9)], pool).chosen?.id,
    ).toBe(3);
  });

  it("uses the consumer's own proxy while usable, else fails over to the pool, and back", () => {
    const req = { ...pool, preferredId: 1 };
    expect(rank([p(1, 'healthy', 9), p(2, 'healthy', 1)], req)).toMatchObject({
      chosen: { id: 1 },
      via: 'preferred',
    });
    expect(rank([p(1, 'unhealthy', 9), p(2, 'healthy', 1)], req)).toMatchObject({
      chosen: { id: 2 },
      via: 'pool',
    });
    expect(rank([p(1, 'healthy', 9), p(2, 'healthy', 1)], req).chosen?.id).toBe(1);
  });

  it('all unhealthy: hold keeps to its own proxy (or the first by priority), direct goes without', () => {
    const dead = [p(1, 'unhealthy', 2), p(2, 'unhealthy', 1)];
    expect(rank(dead, { ...pool, preferredId: 1 })).toMatchObject({ chosen: { id: 1 }, via: 'hold' });
    expect(rank(dead, pool)).toMatchObject({ chosen: { id: 2 }, via: 'hold' });
    expect(rank(dead, { ...pool, whenNoneHealthy: 'direct' })).toEqual({ chosen: null, via: 'direct' });
  });

  it('with no enabled proxy, a consumer that named none goes direct; one that named its own holds on nothing', () => {
    expect(rank([p(1, 'healthy', 1, 1, false)], pool)).toEqual({ chosen: null, via: 'direct' });
    expect(rank([], pool)).toEqual({ chosen: null, via: 'direct' });
    expect(rank([p(1, 'healthy', 1, 1, false)], { ...pool, preferredId: 1 })).toEqual({
      chosen: null,
      via: 'hold',
    });
  });

  it('a consumer that does not use the pool keeps to its own proxy only', () => {
    const req = { preferredId: 1, usePool: false, whenNoneHealthy: 'direct' as const };
    expect(rank([p(1, 'unhealthy', 1), p(2, 'healthy', 1)], req)).toEqual({ chosen: null, via: 'direct' });
  });
});
