import type { JsonObject } from '../../common/types/json.js';
import type { ProxyEndpoint } from '../http/proxy-endpoint.js';

export const CHANNEL_TYPES = ['sms', 'feishu', 'dingtalk', 'wecom', 'telegram', 'email', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/**
 * What a notification says, independent of markup: templates fill it in the user's language and
 * time zone, each adapter turns it into its vendor's format (card, markdown, HTML, SMS parameters).
 */
export interface MessageContent {
  kind: 'signal' | 'digest' | 'test' | 'system_alert';
  title: string;
  /** P0–P2; a digest or an alert takes the highest of what it carries. */
  level: 'P0' | 'P1' | 'P2';
  tone: 'buy' | 'sell' | 'alert' | 'info';
  lines: { label: string; value: string }[];
  /** A digest's one-line entries, or a test's free text. */
  items: string[];
  footer: string | null;
  /** Parameters for an SMS template (values are strings: Aliyun rejects numbers). */
  smsParams: Record<string, string>;
  /** The generic webhook's JSON payload `data`. */
  event: { type: string; timestamp: string; data: JsonObject };
}

/** A channel as an adapter needs it: config with its secrets opened, base URL, proxy. Never log it. */
export interface ChannelTarget {
  type: ChannelType;
  config: Record<string, unknown>;
  baseUrl: string | null;
  proxy: ProxyEndpoint | null;
}

export interface SendContext {
  /** The notification id: the webhook-id, so a receiver dedupes retries. */
  id: string;
  nowMs: number;
}

/**
 * The verdict of one attempt. `retryable`: network errors, 5xx, rate limits (then `retryAfterMs` when
 * the vendor said). Not retryable: auth/config and vendor business errors. `error` is already redacted:
 * vendor codes and request ids, never a URL with a token or an echoed string-to-sign.
 */
export interface SendOutcome {
  ok: boolean;
  retryable: boolean;
  rateLimited?: boolean;
  retryAfterMs?: number;
  vendorId?: string | null;
  error?: string;
  httpStatus?: number;
  latencyMs: number;
}

export interface NotificationChannel {
  readonly type: ChannelType;
  send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome>;
}

/** Rate-limit windows a destination must respect (vendor limits, channels-reference.md §0). */
export interface RateWindow {
  limit: number;
  windowMs: number;
}
export const VENDOR_LIMITS: Record<ChannelType, RateWindow[]> = {
  feishu: [
    { limit: 5, windowMs: 1_000 },
    { limit: 100, windowMs: 60_000 },
  ],
  dingtalk: [{ limit: 20, windowMs: 60_000 }],
  wecom: [{ limit: 20, windowMs: 60_000 }],
  telegram: [
    { limit: 1, windowMs: 1_000 },
    { limit: 20, windowMs: 60_000 },
  ],
  // Per number (Aliyun's defaults; Tencent's are close): SMS suits rare P0 alerts only.
  sms: [
    { limit: 1, windowMs: 60_000 },
    { limit: 5, windowMs: 3_600_000 },
    { limit: 10, windowMs: 86_400_000 },
  ],
  email: [{ limit: 30, windowMs: 60_000 }],
  webhook: [{ limit: 10, windowMs: 1_000 }],
};
