import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SORTED_SETS, type SortedSets } from '../../infra/cache/cache.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import type { RateWindow } from '../../infra/channels/channel.port.js';

/**
 * Sliding-window limits per destination, shared by every instance through the cache ports: each
 * send is a member of a sorted set per destination scored by its time, and a send is allowed when
 * every window holds fewer than its limit. Check and take are one atomic cache call (one round trip
 * on the dispatcher's path). Windows are widened by a margin so that jitter between our clock and
 * the vendor's arrival times never turns an allowed send into a violation.
 */
@Injectable()
export class RateLimiter {
  constructor(
    @Inject(SORTED_SETS) private readonly sets: SortedSets,
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
   * milliseconds until a slot frees. `id` names this send (one per attempt: a retry is a new
   * arrival at the vendor and must not replace the earlier one).
   */
  async take(
    keys: string[],
    windows: RateWindow[],
    id: string = randomBytes(8).toString('hex'),
  ): Promise<number> {
    const spans = windows.map((w) => ({
      limit: w.limit,
      spanMs: w.windowMs + RateLimiter.margin(w.windowMs),
    }));
    const longest = Math.max(...spans.map((w) => w.spanMs));
    return this.sets.takeSlot([...new Set(keys)].sort(), spans, this.clock.now(), id, longest);
  }

  /**
   * Moves send `id`'s slot to now, when its answer came back. The vendor counts arrivals, which
   * happen somewhere between taking the slot and the answer: counting each send at its answer keeps
   * the next one a full window after the previous arrival whatever the network's jitter.
   */
  async settle(keys: string[], id: string): Promise<void> {
    const now = this.clock.now();
    for (const key of new Set(keys)) await this.sets.add(key, [{ score: now, member: id }]);
  }
}
