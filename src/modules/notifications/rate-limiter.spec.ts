import { describe, expect, it } from '@jest/globals';
import { MemorySortedSets } from '../../infra/cache/memory-cache.adapter.js';
import { ManualClock } from '../../infra/clock/clock.port.js';
import { VENDOR_LIMITS } from '../../infra/channels/channel.port.js';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter (sliding windows over the cache ports)', () => {
  const make = () => {
    const clock = new ManualClock();
    return { clock, limiter: new RateLimiter(new MemorySortedSets(), clock) };
  };

  it('allows Feishu 5 per second, then says how long until the oldest leaves the window', async () => {
    const { clock, limiter } = make();
    const key = RateLimiter.key('feishu', 'bot');
    for (let i = 0; i < 5; i++) expect(await limiter.take([key], VENDOR_LIMITS.feishu)).toBe(0);
    const wait = await limiter.take([key], VENDOR_LIMITS.feishu);
    expect(wait).toBe(1000 + RateLimiter.margin(1000));
    clock.advance(wait);
    expect(await limiter.take([key], VENDOR_LIMITS.feishu)).toBe(0);
  });

  it('never lets any sliding second hold more than 5, nor any minute more than 100', async () => {
    const { clock, limiter } = make();
    const key = RateLimiter.key('feishu', 'bot');
    const sent: number[] = [];
    while (sent.length < 250) {
      const wait = await limiter.take([key], VENDOR_LIMITS.feishu);
      if (wait === 0) sent.push(clock.now());
      clock.advance(wait || 7);
    }
    for (let i = 0; i < sent.length; i++) {
      expect(sent.filter((t) => t >= sent[i]! && t < sent[i]! + 1000).length).toBeLessThanOrEqual(5);
      expect(sent.filter((t) => t >= sent[i]! && t < sent[i]! + 60_000).length).toBeLessThanOrEqual(100);
    }
  });

  it('counts a settled send at its answer: the next waits a full window after it', async () => {
    const { clock, limiter } = make();
    const key = RateLimiter.key('telegram', 'chat');
    expect(await limiter.take([key], VENDOR_LIMITS.telegram, 'a')).toBe(0);
    clock.advance(300);
    await limiter.settle([key], 'a');
    clock.advance(1000);
    // 1.3 s after the slot, but only 1 s after the answer: not yet.
    expect(await limiter.take([key], VENDOR_LIMITS.telegram, 'b')).toBe(RateLimiter.margin(1000));
    clock.advance(RateLimiter.margin(1000));
    expect(await limiter.take([key], VENDOR_LIMITS.telegram, 'b')).toBe(0);
  });

  it('takes a slot on every key or none (SMS to two numbers)', async () => {
    const { limiter } = make();
    const a = RateLimiter.key('sms', '13800000001');
    const b = RateLimiter.key('sms', '13800000002');
    expect(await limiter.take([a], VENDOR_LIMITS.sms)).toBe(0);
    expect(await limiter.take([a, b], VENDOR_LIMITS.sms)).toBeGreaterThan(0);
    // b was not charged by the refused attempt.
    expect(await limiter.take([b], VENDOR_LIMITS.sms)).toBe(0);
  });

  it('hashes destinations: a token never becomes a cache key', () => {
    expect(RateLimiter.key('feishu', 'secret-token')).not.toContain('secret-token');
  });
});
