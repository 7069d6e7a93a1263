import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { LOCK, SORTED_SETS, type Lock, type SortedSets } from '../../infra/cache/cache.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import type { RateWindow } from '../../infra/channels/channel.port.js';

/** Wait this much when another holder keeps a destination's lock through every retry. */
const CONTENDED_WAIT_MS = 20;
const LOCK_TRIES = 10;

/**
 * Sliding-window limits per destination, shared by every instance through the cache ports: each
 * send is a timestamped member of a sorted set per destination, and a send is allowed when every
 * window holds fewer than its limit. A short lock per destination makes check-and-take atomic.
 * Windows are widened by a margin so that jitter between our clock and the vendor's arrival times
 * never turns an allowed send into a violation.
 */
@Injectable()
export class RateLimiter {
  constructor(
    @Inject(SORTED_SETS) private readonly sets: SortedSets,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Destination keys are hashed: a webhook token or a phone number never becomes a cache key. */
  static key(kind: string, destination: string): string {
    return `notify:rate:${kind}:${createHash('sha256').update(destination).digest('hex').slice(0, 24)}`;
  }

  static margin(windowMs: number): number {
    return Math.max(25, Math.ceil(windowMs * 0.005));
  }

  /**
   * Takes one slot in every window of every key, or none. Returns 0 when taken, else the
   * milliseconds until a slot frees.
   */
  async take(
    keys: string[],
    windows: RateWindow[],
    id: string = randomBytes(8).toString('hex'),
  ): Promise<number> {
    const sorted = [...new Set(keys)].sort();
    const handles = [];
    try {
      for (const key of sorted) {
        let h = await this.lock.tryAcquire(`${key}:lock`, 2_000);
        // Held only for a few cache round trips: a short retry beats sending the row back.
        for (let i = 1; !h && i < LOCK_TRIES; i++) {
          await sleep(2);
          h = await this.lock.tryAcquire(`${key}:lock`, 2_000);
        }
        if (!h) return CONTENDED_WAIT_MS;
        handles.push(h);
      }
      const now = this.clock.now();
      let wait = 0;
      for (const key of sorted) {
        for (const w of windows) {
          const span = w.windowMs + RateLimiter.margin(w.windowMs);
          const times = latestPerSend(await this.sets.range(key, now - span + 1, now));
          if (times.length >= w.limit) {
            const oldest = times[times.length - w.limit]!;
            wait = Math.max(wait, oldest + span - now, 1);
          }
        }
      }
      if (wait > 0) return wait;
      const longest = Math.max(...windows.map((w) => w.windowMs + RateLimiter.margin(w.windowMs)));
      for (const key of sorted) {
        await this.sets.add(key, [{ score: now, member: `${now}:${id}` }]);
        await this.sets.removeBelow(key, now - longest);
      }
      return 0;
    } finally {
      for (const h of handles.reverse()) await h.release();
    }
  }

  /**
   * Moves send `id`'s slot to now, when its answer came back. The vendor counts arrivals, which
   * happen somewhere between taking the slot and the answer: counting each send at its answer keeps
   * the next one a full window after the previous arrival whatever the network's jitter.
   */
  async settle(keys: string[], id: string): Promise<void> {
    const now = this.clock.now();
    for (const key of new Set(keys)) await this.sets.add(key, [{ score: now, member: `${now}:${id}` }]);
  }
}

/** Each send's latest time (its slot, or its answer once settled), ascending. Members are `time:id`. */
function latestPerSend(members: string[]): number[] {
  const latest = new Map<string, number>();
  for (const m of members) {
    const i = m.indexOf(':');
    const t = Number(m.slice(0, i));
    const id = m.slice(i + 1);
    latest.set(id, Math.max(latest.get(id) ?? 0, t));
  }
  return [...latest.values()].sort((a, b) => a - b);
}
