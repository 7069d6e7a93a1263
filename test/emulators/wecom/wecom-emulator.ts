import {
  SlidingWindows,
  VendorEmulator,
  type RecordedRequest,
  type Reply,
} from '../vendor-http/vendor-emulator.js';

/** WeCom group robot: /cgi-bin/webhook/send?key=…; no signature; 4096-byte markdown; 20/min (45009). */
export class WecomEmulator extends VendorEmulator {
  readonly keys = new Set<string>();
  readonly accepted: Record<string, unknown>[] = [];
  private readonly limits = new SlidingWindows([{ limit: 20, windowMs: 60_000 }]);

  protected handle(r: RecordedRequest): Reply {
    const key = r.query.get('key') ?? '';
    if (r.path !== '/cgi-bin/webhook/send' || !this.keys.has(key))
      return { status: 200, body: { errcode: 93000, errmsg: 'invalid webhook url, hint: [1]' } };
    const body = JSON.parse(r.body) as { msgtype?: string; markdown?: { content?: string } };
    if (body.msgtype === 'markdown' && Buffer.byteLength(body.markdown?.content ?? '', 'utf8') > 4096)
      return { status: 200, body: { errcode: 40058, errmsg: 'markdown.content exceed max length 4096' } };
    if (!this.limits.admit(key, r.at))
      return { status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } };
    this.accepted.push(body);
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  }
}
