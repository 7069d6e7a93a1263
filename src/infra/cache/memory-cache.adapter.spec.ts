import { describe, expect, it } from '@jest/globals';
import { cacheContract } from '../../../test/support/cache-contract.js';
import { ManualClock } from '../clock/clock.port.js';
import {
  MemoryBackend,
  MemoryCache,
  MemoryCounters,
  MemoryLock,
  MemoryPubSub,
  MemorySortedSets,
} from './memory-cache.adapter.js';

cacheContract('memory', () => {
  const clock = new ManualClock();
  return {
    cache: new MemoryCache(clock),
    counters: new MemoryCounters(clock),
    pubsub: new MemoryPubSub(),
    lock: new MemoryLock(clock),
    sortedSets: new MemorySortedSets(),
    advance: (ms) => {
      clock.advance(ms);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
});

describe('MemoryBackend', () => {
  it('is embedded and always answers ping', async () => {
    const sut = new MemoryBackend([]);
    expect(sut.kind).toBe('embedded');
    expect(await sut.ping()).toBe(true);
    await sut.close();
  });

  it('close() is idempotent', async () => {
    const sut = new MemoryBackend([]);
    await sut.close();
    await expect(sut.close()).resolves.toBeUndefined();
  });
});

describe('memory stores sweep', () => {
  it('drops expired entries and keeps live ones', async () => {
    const clock = new ManualClock();
    const sut = new MemoryCache(clock);
    await sut.set('short', 1, 100);
    await sut.set('long', 2, 10_000);
    clock.advance(200);
    sut.store.sweep();
    clock.advance(-200);
    // Rewinding the clock proves the sweep removed the entry, not a read-time expiry check.
    expect(await sut.get('short')).toBeUndefined();
    expect(await sut.get('long')).toBe(2);
  });
});

describe('MemoryPubSub', () => {
  it('does not run subscriber code inline in publish', async () => {
    const sut = new MemoryPubSub();
    const seen: string[] = [];
    await sut.subscribe('c', (m) => seen.push(m));
    const published = sut.publish('c', 'x');
    expect(seen).toEqual([]);
    await published;
    await Promise.resolve();
    expect(seen).toEqual(['x']);
  });
});
