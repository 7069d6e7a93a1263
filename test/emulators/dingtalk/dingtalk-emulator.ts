import { createHmac } from 'node:crypto';
import {
  SlidingWindows,
  VendorEmulator,
  type RecordedRequest,
  type Reply,
} from '../vendor-http/vendor-emulator.js';

/** 加签: HMAC-SHA256 keyed by the secret over "timestamp\nsecret", Base64 (§2). */
export function expectedDingtalkSign(timestamp: string, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
    .digest('base64');
}

/** Form semantics for the query: `+` is a space (so an unencoded `+` in a sign fails, as at DingTalk). */
function formValue(rawQuery: string, name: string): string | null {
  for (const part of rawQuery.split('&')) {
    const [k, v = ''] = part.split('=');
    if (k === name) return decodeURIComponent(v.replace(/\+/g, ' '));
  }
  return null;
}

/** DingTalk custom robot: /robot/send?access_token=…[&timestamp&sign]; 20/min, then blocked 10 min. */
export class DingtalkEmulator extends VendorEmulator {
  readonly robots = new Map<string, { secret?: string }>();
  readonly accepted: Record<string, unknown>[] = [];
  private readonly limits = new SlidingWindows([{ limit: 20, windowMs: 60_000 }]);
  private blockedUntil = new Map<string, number>();

  protected handle(r: RecordedRequest): Reply {
    const raw = r.query.toString();
    const token = r.query.get('access_token') ?? '';
    const robot = this.robots.get(token);
    if (r.path !== '/robot/send' || !robot)
      return { status: 200, body: { errcode: 300005, errmsg: 'token is not exist' } };
    if (robot.secret) {
      const ts = formValue(raw, 'timestamp');
      const sign = formValue(raw, 'sign');
      if (!ts || !sign) return { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } };
      if (Math.abs(this.now() - Number(ts)) > 3_600_000)
        return { status: 200, body: { errcode: 310000, errmsg: 'invalid timestamp' } };
      if (expectedDingtalkSign(ts, robot.secret) !== sign)
        return { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } };
    }
    if ((this.blockedUntil.get(token) ?? 0) > r.at || !this.limits.admit(token, r.at)) {
      this.blockedUntil.set(token, Math.max(this.blockedUntil.get(token) ?? 0, r.at + 600_000));
      return { status: 200, body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
    }
    this.accepted.push(JSON.parse(r.body) as Record<string, unknown>);
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  }
}
