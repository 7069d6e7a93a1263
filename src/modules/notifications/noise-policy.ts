import type { QuietHours } from './entities/notification-rules.entity.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** freqtrade timeframe (`5m`, `1h`, `1d`) in ms; unknown → one hour. */
export function timeframeToMs(tf: string): number {
  const m = /^(\d+)([mhdw])$/.exec(tf);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : 3_600_000;
}

function localSecondsOfDay(nowMs: number, timeZone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(nowMs));
  } catch {
    return Math.floor((nowMs % 86_400_000) / 1000);
  }
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 3600 + get('minute') * 60 + get('second');
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When `now` falls in the quiet window (in the user's zone), the instant the window ends; else null.
 * A window whose end is before its start crosses midnight; start == end means no window.
 */
export function quietWindowEnd(nowMs: number, q: QuietHours | null, timeZone: string): number | null {
  if (!q) return null;
  const start = minutes(q.start) * 60;
  const end = minutes(q.end) * 60;
  if (start === end) return null;
  const local = localSecondsOfDay(nowMs, timeZone);
  const inside = start < end ? local >= start && local < end : local >= start || local < end;
  if (!inside) return null;
  const untilEnd = (end - local + 86_400) % 86_400;
  return Math.floor(nowMs / 1000) * 1000 + untilEnd * 1000;
}

/** Exponential backoff: base · 2^(attempt−1), capped at 10 minutes, with up to 10 % jitter. */
export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  const raw = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 600_000);
  return Math.round(raw * (1 + random() * 0.1));
}

const PRIORITY_RANK = { P0: 0, P1: 1, P2: 2 } as const;
/** Whether a message of `priority` reaches a channel that takes `minLevel` and more urgent. */
export function meetsLevel(priority: 'P0' | 'P1' | 'P2', minLevel: 'P0' | 'P1' | 'P2'): boolean {
  return PRIORITY_RANK[priority] <= PRIORITY_RANK[minLevel];
}
