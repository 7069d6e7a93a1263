import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  runExclusive,
  type Cache,
  type Counters,
  type Lock,
  type PubSub,
  type SortedSets,
} from '../../src/infra/cache/cache.port.js';

/** One implementation of the cache ports, as the behavioural contract below drives it. */
export interface CacheContractSubject {
  cache: Cache;
  counters: Counters;
  pubsub: PubSub;
  lock: Lock;
  sortedSets: SortedSets;
  /** Lets `ms` milliseconds pass: a ManualClock step in memory, a real sleep against Redis. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export type CacheContractFactory = () => CacheContractSubject | Promise<CacheContractSubject>;

// Small enough that a real sleep against Redis keeps the suite quick, large enough for round trips.
const TTL_MS = 250;
const STEP_MS = 100;
const PAST_TTL_MS = TTL_MS + 100;
// A real sleep may end a hair early (timer rounding); a ManualClock step never does.
const SLACK_MS = 5;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `condition` holds (delivery is asynchronous in every implementation). */
async function eventually(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** A key no other test (or earlier run sharing the backend) uses. */
const unique = (name: string) => `${name}-${randomUUID()}`;

/** Collects what a subscriber receives. */
function inbox(): { messages: string[]; handler: (message: string) => void } {
  const messages: string[] = [];
  return { messages, handler: (m) => messages.push(m) };
}

/**
 * Behaviour every implementation of the Cache, Counters, PubSub and Lock ports must show, so the
 * embedded (in-process) and Redis adapters stay interchangeable.
 */
export function cacheContract(name: string, factory: CacheContractFactory): void {
  describe(`${name} cache ports contract`, () => {
    let sut: CacheContractSubject;

    beforeEach(async () => {
      sut = await factory();
    });

    afterEach(async () => {
      await sut.close();
    });

    describe('Cache', () => {
      it('returns undefined for a key never set', async () => {
        expect(await sut.cache.get(unique('absent'))).toBeUndefined();
      });

      it('stores, overwrites and deletes a value', async () => {
        const key = unique('cache');
        await sut.cache.set(key, { price: 42_000, symbol: 'BTC' }, 10_000);
        expect(await sut.cache.get(key)).toEqual({ price: 42_000, symbol: 'BTC' });

        await sut.cache.set(key, { price: 43_000, symbol: 'BTC' }, 10_000);
        expect(await sut.cache.get(key)).toEqual({ price: 43_000, symbol: 'BTC' });

        await sut.cache.del(key);
        expect(await sut.cache.get(key)).toBeUndefined();
      });

      it('deleting an absent key is harmless', async () => {
        await expect(sut.cache.del(unique('absent'))).resolves.toBeUndefined();
      });

      it('keeps keys apart', async () => {
        const a = unique('a');
        const b = unique('b');
        await sut.cache.set(a, 'first', 10_000);
        await sut.cache.set(b, 'second', 10_000);
        await sut.cache.del(a);
        expect(await sut.cache.get(a)).toBeUndefined();
        expect(await sut.cache.get(b)).toBe('second');
      });

      it('round-trips falsy values, distinct from an absent key', async () => {
        const zero = unique('zero');
        const empty = unique('empty');
        const no = unique('false');
        const nil = unique('null');
        await sut.cache.set(zero, 0, 10_000);
        await sut.cache.set(empty, '', 10_000);
        await sut.cache.set(no, false, 10_000);
        await sut.cache.set(nil, null, 10_000);
        expect(await sut.cache.get(zero)).toBe(0);
        expect(await sut.cache.get(empty)).toBe('');
        expect(await sut.cache.get(no)).toBe(false);
        expect(await sut.cache.get(nil)).toBeNull();
      });

      it('hands out copies: mutating a stored or fetched object does not change the cached one', async () => {
        const key = unique('copy');
        const original = { tags: ['a'], nested: { n: 1 } };
        await sut.cache.set(key, original, 10_000);
        original.tags.push('mutated-after-set');
        original.nested.n = 99;

        const fetched = await sut.cache.get<typeof original>(key);
        expect(fetched).toEqual({ tags: ['a'], nested: { n: 1 } });
        fetched!.tags.push('mutated-after-get');
        fetched!.nested.n = 100;

        const again = await sut.cache.get<typeof original>(key);
        expect(again).toEqual({ tags: ['a'], nested: { n: 1 } });
        expect(again).not.toBe(fetched);
      });

      it('forgets a value once its ttl has passed', async () => {
        const key = unique('ttl');
        await sut.cache.set(key, 'soon gone', TTL_MS);
        await sut.advance(STEP_MS);
        expect(await sut.cache.get(key)).toBe('soon gone');
        await sut.advance(PAST_TTL_MS - STEP_MS);
        expect(await sut.cache.get(key)).toBeUndefined();
      });

      it('setting again restarts the ttl', async () => {
        const key = unique('ttl-restart');
        await sut.cache.set(key, 'v1', TTL_MS);
        await sut.advance(STEP_MS * 2);
        await sut.cache.set(key, 'v2', TTL_MS);
        await sut.advance(STEP_MS);
        // Past the first ttl, inside the second.
        expect(await sut.cache.get(key)).toBe('v2');
      });
    });

    describe('Counters', () => {
      it('get() of an absent key is a zero count', async () => {
        expect(await sut.counters.get(unique('absent'))).toEqual({ count: 0, ttlMs: 0 });
      });

      it('increment counts up inside a window and reports the time left in it', async () => {
        const key = unique('ctr');
        const first = await sut.counters.increment(key, TTL_MS);
        expect(first.count).toBe(1);
        expect(first.ttlMs).toBeGreaterThan(0);
        expect(first.ttlMs).toBeLessThanOrEqual(TTL_MS);

        await sut.advance(STEP_MS);
        const second = await sut.counters.increment(key, TTL_MS);
        expect(second.count).toBe(2);
        // The window started at the first hit; later hits do not extend it.
        expect(second.ttlMs).toBeGreaterThan(0);
        expect(second.ttlMs).toBeLessThanOrEqual(TTL_MS - STEP_MS + SLACK_MS);

        const third = await sut.counters.increment(key, TTL_MS);
        expect(third.count).toBe(3);

        const read = await sut.counters.get(key);
        expect(read.count).toBe(3);
        expect(read.ttlMs).toBeGreaterThan(0);
        expect(read.ttlMs).toBeLessThanOrEqual(TTL_MS - STEP_MS + SLACK_MS);
      });

      it('get() does not count', async () => {
        const key = unique('ctr-get');
        await sut.counters.increment(key, 10_000);
        await sut.counters.get(key);
        await sut.counters.get(key);
        expect((await sut.counters.get(key)).count).toBe(1);
      });

      it('keeps counters apart', async () => {
        const a = unique('ctr-a');
        const b = unique('ctr-b');
        await sut.counters.increment(a, 10_000);
        await sut.counters.increment(a, 10_000);
        await sut.counters.increment(b, 10_000);
        expect((await sut.counters.get(a)).count).toBe(2);
        expect((await sut.counters.get(b)).count).toBe(1);
      });

      it('starts over once the window has expired', async () => {
        const key = unique('ctr-window');
        await sut.counters.increment(key, TTL_MS);
        await sut.counters.increment(key, TTL_MS);
        await sut.advance(PAST_TTL_MS);

        expect(await sut.counters.get(key)).toEqual({ count: 0, ttlMs: 0 });
        const fresh = await sut.counters.increment(key, TTL_MS);
        expect(fresh.count).toBe(1);
        expect(fresh.ttlMs).toBeGreaterThan(TTL_MS - STEP_MS);
        expect(fresh.ttlMs).toBeLessThanOrEqual(TTL_MS);
      });

      it('reset() clears the count and the window', async () => {
        const key = unique('ctr-reset');
        await sut.counters.increment(key, 10_000);
        await sut.counters.increment(key, 10_000);
        await sut.counters.reset(key);

        expect(await sut.counters.get(key)).toEqual({ count: 0, ttlMs: 0 });
        expect((await sut.counters.increment(key, 10_000)).count).toBe(1);
      });

      it('reset() of an absent key is harmless', async () => {
        await expect(sut.counters.reset(unique('absent'))).resolves.toBeUndefined();
      });

      it('counts every one of many concurrent increments', async () => {
        const key = unique('ctr-concurrent');
        const results = await Promise.all(
          Array.from({ length: 20 }, () => sut.counters.increment(key, 10_000)),
        );
        expect(results.map((r) => r.count).sort((x, y) => x - y)).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
      });
    });

    describe('PubSub', () => {
      it('delivers to every subscriber of the channel and to no other channel', async () => {
        const channel = unique('chan');
        const other = unique('other');
        const a1 = inbox();
        const a2 = inbox();
        const b = inbox();
        const unsubs = [
          await sut.pubsub.subscribe(channel, a1.handler),
          await sut.pubsub.subscribe(channel, a2.handler),
          await sut.pubsub.subscribe(other, b.handler),
        ];

        await sut.pubsub.publish(channel, 'tick');
        await eventually(() => a1.messages.length === 1 && a2.messages.length === 1);
        // Published after 'tick': once this arrives, a stray 'tick' on `other` would have too.
        await sut.pubsub.publish(other, 'control');
        await eventually(() => b.messages.length > 0);

        expect(a1.messages).toEqual(['tick']);
        expect(a2.messages).toEqual(['tick']);
        expect(b.messages).toEqual(['control']);
        for (const u of unsubs) await u();
      });

      it('delivers messages in the order they were published', async () => {
        const channel = unique('ordered');
        const box = inbox();
        const unsub = await sut.pubsub.subscribe(channel, box.handler);
        for (const m of ['1', '2', '3', '4', '5']) await sut.pubsub.publish(channel, m);
        await eventually(() => box.messages.length === 5);
        expect(box.messages).toEqual(['1', '2', '3', '4', '5']);
        await unsub();
      });

      it('publishing with no subscriber is harmless', async () => {
        await expect(sut.pubsub.publish(unique('nobody'), 'hello?')).resolves.toBeUndefined();
      });

      it('unsubscribe stops delivery to that handler only', async () => {
        const channel = unique('unsub');
        const control = unique('control');
        const first = inbox();
        const second = inbox();
        const watcher = inbox();
        const unsubFirst = await sut.pubsub.subscribe(channel, first.handler);
        const unsubSecond = await sut.pubsub.subscribe(channel, second.handler);
        const unsubWatcher = await sut.pubsub.subscribe(control, watcher.handler);

        await unsubFirst();
        await sut.pubsub.publish(channel, 'one');
        await eventually(() => second.messages.length === 1);
        expect(first.messages).toEqual([]);

        // The last handler leaves: nothing is delivered on the channel any more.
        await unsubSecond();
        await sut.pubsub.publish(channel, 'two');
        await sut.pubsub.publish(control, 'after-two');
        await eventually(() => watcher.messages.length === 1);
        expect(first.messages).toEqual([]);
        expect(second.messages).toEqual(['one']);

        // Subscribing again after everyone left works.
        const again = inbox();
        const unsubAgain = await sut.pubsub.subscribe(channel, again.handler);
        await sut.pubsub.publish(channel, 'three');
        await eventually(() => again.messages.length === 1);
        expect(again.messages).toEqual(['three']);
        expect(second.messages).toEqual(['one']);

        await unsubAgain();
        await unsubWatcher();
      });

      it('calling an unsubscribe again later does not cut off a newer subscriber of the channel', async () => {
        // e.g. a socket's disconnect handler and module shutdown both cleaning up the same subscription.
        const channel = unique('unsub-twice');
        const unsubOld = await sut.pubsub.subscribe(channel, () => undefined);
        await unsubOld();

        const current = inbox();
        const unsubCurrent = await sut.pubsub.subscribe(channel, current.handler);
        await unsubOld();

        await sut.pubsub.publish(channel, 'still here');
        await eventually(() => current.messages.length === 1);
        expect(current.messages).toEqual(['still here']);
        await unsubCurrent();
      });
    });

    describe('Lock', () => {
      it('a second tryAcquire is null while the lock is held; release frees it', async () => {
        const name = unique('lock');
        const held = await sut.lock.tryAcquire(name, 10_000);
        expect(held).not.toBeNull();
        expect(await sut.lock.tryAcquire(name, 10_000)).toBeNull();

        await held!.release();
        const next = await sut.lock.tryAcquire(name, 10_000);
        expect(next).not.toBeNull();
        await next!.release();
      });

      it('locks with different names are independent', async () => {
        const a = await sut.lock.tryAcquire(unique('lock-a'), 10_000);
        const b = await sut.lock.tryAcquire(unique('lock-b'), 10_000);
        expect(a).not.toBeNull();
        expect(b).not.toBeNull();
        await a!.release();
        await b!.release();
      });

      it('releasing twice is harmless', async () => {
        const name = unique('lock-twice');
        const handle = await sut.lock.tryAcquire(name, 10_000);
        await handle!.release();
        await expect(handle!.release()).resolves.toBeUndefined();
        const next = await sut.lock.tryAcquire(name, 10_000);
        expect(next).not.toBeNull();
        await next!.release();
      });

      it('expiry frees a lock its holder never released', async () => {
        const name = unique('lock-expiry');
        expect(await sut.lock.tryAcquire(name, TTL_MS)).not.toBeNull();
        await sut.advance(STEP_MS);
        expect(await sut.lock.tryAcquire(name, TTL_MS)).toBeNull();
        await sut.advance(PAST_TTL_MS - STEP_MS);
        const next = await sut.lock.tryAcquire(name, 10_000);
        expect(next).not.toBeNull();
        await next!.release();
      });

      it('a handle released after expiry does not release the lock someone else re-took', async () => {
        const name = unique('lock-late');
        const late = await sut.lock.tryAcquire(name, TTL_MS);
        expect(late).not.toBeNull();
        await sut.advance(PAST_TTL_MS);

        const current = await sut.lock.tryAcquire(name, 10_000);
        expect(current).not.toBeNull();
        await late!.release();
        expect(await sut.lock.tryAcquire(name, 10_000)).toBeNull();

        await current!.release();
        const next = await sut.lock.tryAcquire(name, 10_000);
        expect(next).not.toBeNull();
        await next!.release();
      });

      it('only one of many concurrent tryAcquire calls wins', async () => {
        const name = unique('lock-race');
        const handles = await Promise.all(
          Array.from({ length: 10 }, () => sut.lock.tryAcquire(name, 10_000)),
        );
        const winners = handles.filter((h) => h !== null);
        expect(winners).toHaveLength(1);
        await winners[0]!.release();
      });
    });

    describe('runExclusive', () => {
      it('runs fn once, returns its result and frees the lock', async () => {
        const name = unique('exclusive');
        let calls = 0;
        const result = await runExclusive(sut.lock, name, 10_000, () => {
          calls += 1;
          return Promise.resolve('done');
        });
        expect(result).toBe('done');
        expect(calls).toBe(1);

        const after = await sut.lock.tryAcquire(name, 10_000);
        expect(after).not.toBeNull();
        await after!.release();
      });

      it('holds the lock while fn runs', async () => {
        const name = unique('exclusive-held');
        let heldDuringFn: unknown = 'not run';
        await runExclusive(sut.lock, name, 10_000, async () => {
          heldDuringFn = await sut.lock.tryAcquire(name, 10_000);
        });
        expect(heldDuringFn).toBeNull();
      });

      it('returns undefined without running fn when the lock is held', async () => {
        const name = unique('exclusive-busy');
        const holder = await sut.lock.tryAcquire(name, 10_000);
        let calls = 0;
        const result = await runExclusive(sut.lock, name, 10_000, () => {
          calls += 1;
          return Promise.resolve('ran');
        });
        expect(result).toBeUndefined();
        expect(calls).toBe(0);

        // The refused caller did not release the holder's lock.
        expect(await sut.lock.tryAcquire(name, 10_000)).toBeNull();
        await holder!.release();
      });

      it('frees the lock when fn throws and passes the error on', async () => {
        const name = unique('exclusive-throws');
        await expect(
          runExclusive(sut.lock, name, 10_000, () => Promise.reject(new Error('boom'))),
        ).rejects.toThrow('boom');
        const after = await sut.lock.tryAcquire(name, 10_000);
        expect(after).not.toBeNull();
        await after!.release();
      });
    });
  });

  describe(`${name} cache ports contract: SortedSets`, () => {
    let sut: CacheContractSubject;
    const key = () => `zs-${Math.random().toString(36).slice(2)}`;
    beforeEach(async () => {
      sut = await factory();
    });
    afterEach(async () => {
      await sut.close();
    });

    it('ranges ascending by score, inclusively; re-adding a member moves it', async () => {
      const k = key();
      await sut.sortedSets.add(k, [
        { score: 30, member: 'c' },
        { score: 10, member: 'a' },
        { score: 20, member: 'b' },
      ]);
      expect(await sut.sortedSets.range(k, 10, 20)).toEqual(['a', 'b']);
      await sut.sortedSets.add(k, [{ score: 40, member: 'a' }]);
      expect(await sut.sortedSets.range(k, 0, 100)).toEqual(['b', 'c', 'a']);
      expect(await sut.sortedSets.count(k, 15, 35)).toBe(2);
      expect(await sut.sortedSets.last(k)).toEqual({ member: 'a', score: 40 });
    });

    it('removes everything below a score (the score itself stays); an absent key is empty', async () => {
      const k = key();
      await sut.sortedSets.add(k, [
        { score: 1, member: 'x' },
        { score: 2, member: 'y' },
        { score: 3, member: 'z' },
      ]);
      await sut.sortedSets.removeBelow(k, 2);
      expect(await sut.sortedSets.range(k, 0, 10)).toEqual(['y', 'z']);
      expect(await sut.sortedSets.range(key(), 0, 10)).toEqual([]);
      expect(await sut.sortedSets.last(key())).toBeUndefined();
      expect(await sut.sortedSets.count(key(), 0, 10)).toBe(0);
      await expect(sut.sortedSets.add(k, [])).resolves.toBeUndefined();
    });

    it('adds to several sets and trims each below a score in one call', async () => {
      const [a, b, c] = [key(), key(), key()];
      await sut.sortedSets.add(a, [{ score: 1, member: 'old' }]);
      await sut.sortedSets.add(c, [
        { score: 1, member: 'stale' },
        { score: 9, member: 'kept' },
      ]);
      await sut.sortedSets.addAndTrim(
        new Map([
          [
            a,
            [
              { score: 5, member: 'new' },
              { score: 2, member: 'edge' },
            ],
          ],
          [b, [{ score: 7, member: 'only' }]],
          [c, []],
        ]),
        2,
      );
      expect(await sut.sortedSets.range(a, 0, 10)).toEqual(['edge', 'new']);
      expect(await sut.sortedSets.range(b, 0, 10)).toEqual(['only']);
      expect(await sut.sortedSets.range(c, 0, 10)).toEqual(['kept']);
      await expect(sut.sortedSets.addAndTrim(new Map(), 0)).resolves.toBeUndefined();
    });
  });
}
