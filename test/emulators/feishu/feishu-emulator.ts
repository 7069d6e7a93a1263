import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  SlidingWindows,
  VendorEmulator,
  type RecordedRequest,
  type Reply,
} from '../vendor-http/vendor-emulator.js';

/** The bot's expected sign: HMAC-SHA256 keyed by "timestamp\nsecret" over nothing, Base64 (§1). */
export function expectedFeishuSign(timestamp: string, secret: string): string {
  const mac = createHmac('sha256', Buffer.from(`${timestamp}\n${secret}`, 'utf8'));
  return mac.digest('base64');
}

/**
 * Feishu custom bot: POST /open-apis/bot/v2/hook/{token}. Verifies timestamp ±1 h and sign for bots
 * with a secret (19021), keywords (19024), body size (9499), and 5/s + 100/min per bot (11232);
 * everything answered with HTTP 200 as the vendor does. `violations` counts sends past the limit.
 */
export class FeishuEmulator extends VendorEmulator {
  readonly bots = new Map<string, { secret?: string; keywords?: string[] }>();
  readonly accepted: { token: string; body: Record<string, unknown>; at: number }[] = [];
  violations = 0;
  private readonly forced = new Map<string, Reply[]>();

  /** Replies the next requests to one bot get, before any judgement (5xx, odd bodies). */
  failNext(token: string, ...replies: Reply[]): void {
    this.forced.set(token, [...(this.forced.get(token) ?? []), ...replies]);
  }
  private readonly limits = new SlidingWindows([
    { limit: 5, windowMs: 1000 },
    { limit: 100, windowMs: 60_000 },
  ]);

  protected handle(r: RecordedRequest): Reply {
    const m = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(r.path);
    const bot = m ? this.bots.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !bot || r.method !== 'POST')
      return {
        status: 200,
        body: { code: 19001, msg: 'param invalid: incoming webhook access token invalid' },
      };
    const forced = this.forced.get(decodeURIComponent(m[1]!))?.shift();
    if (forced) return forced;
    if (Buffer.byteLength(r.body) > 20_480)
      return { status: 200, body: { code: 9499, msg: 'Bad Request', data: {} } };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      return { status: 200, body: { code: 9499, msg: 'Bad Request', data: {} } };
    }
    if (bot.secret) {
      const ts = body.timestamp;
      const sign = body.sign;
      const tsText = typeof ts === 'number' ? String(ts) : ts;
      const fail = {
        status: 200,
        body: { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' },
      };
      if (typeof tsText !== 'string' || !/^\d+$/.test(tsText) || typeof sign !== 'string') return fail;
      if (Math.abs(this.now() / 1000 - Number(tsText)) > 3600) return fail;
      const want = Buffer.from(expectedFeishuSign(tsText, bot.secret));
      const got = Buffer.from(sign);
      if (want.length !== got.length || !timingSafeEqual(want, got)) return fail;
    }
    if (bot.keywords?.length) {
      const text = JSON.stringify(body.card ?? body.content ?? '');
      if (!bot.keywords.some((k) => text.includes(k)))
        return { status: 200, body: { code: 19024, msg: 'Key Words Not Found' } };
    }
    if (!this.limits.admit(m[1]!, r.at)) {
      this.violations++;
      return {
        status: 200,
        body: { code: 11232, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]' },
      };
    }
    this.accepted.push({ token: m[1]!, body, at: r.at });
    return {
      status: 200,
      body: { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' },
    };
  }
}
