import { randomBytes } from 'node:crypto';
import { OutboundHttp, OutboundHttpError, type OutboundResponse } from '../http/outbound-http.port.js';
import type {
  ChannelTarget,
  ChannelType,
  MessageContent,
  NotificationChannel,
  SendContext,
  SendOutcome,
} from './channel.port.js';
import { acs3Sign, dingtalkSign, feishuSign, standardWebhookSignature, tc3Authorization } from './signing.js';
import { escapeHtml, renderMarkdown, renderText } from './render.js';

const TIMEOUT_MS = 10_000;

const str = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
const trimSlash = (u: string) => u.replace(/\/+$/, '');
/** Vendor text in an error: short, one line. */
const short = (v: unknown) => str(v).replace(/\s+/g, ' ').slice(0, 200);

function parseJson(body: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Seconds (or an HTTP date) in a Retry-After header. */
export function retryAfterHeaderMs(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Shared handling of transport failures and non-2xx statuses that carry no vendor verdict. */
abstract class HttpChannel implements NotificationChannel {
  abstract readonly type: ChannelType;
  constructor(protected readonly http: OutboundHttp) {}

  abstract send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome>;

  protected async post(
    target: ChannelTarget,
    url: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<OutboundResponse | SendOutcome> {
    try {
      return await this.http.request({
        method: 'POST',
        url,
        headers,
        body,
        timeoutMs: TIMEOUT_MS,
        proxy: target.proxy,
        maxBodyBytes: 256 * 1024,
      });
    } catch (err) {
      if (err instanceof OutboundHttpError) {
        // Configuration-shaped failures (a dead proxy, refused credentials) still get retried:
        // the user may fix the proxy, and the attempt budget bounds it.
        return { ok: false, retryable: true, error: `network (${err.stage})`, latencyMs: err.latencyMs };
      }
      throw err;
    }
  }

  /** 429 / 5xx / 408 → retry (honouring Retry-After); other non-2xx → permanent. */
  fromStatus(res: OutboundResponse, nowMs: number, what: string): SendOutcome | null {
    if (res.status >= 200 && res.status < 300) return null;
    const base = { ok: false, httpStatus: res.status, latencyMs: res.latencyMs };
    if (res.status === 429)
      return {
        ...base,
        retryable: true,
        rateLimited: true,
        retryAfterMs: retryAfterHeaderMs(res.headers['retry-after'], nowMs),
        error: `${what} HTTP 429`,
      };
    if (res.status >= 500 || res.status === 408)
      return { ...base, retryable: true, error: `${what} HTTP ${res.status}` };
    return { ...base, retryable: false, error: `${what} HTTP ${res.status}` };
  }
}

// ---------------------------------------------------------------- Feishu (§1)

export class FeishuChannel extends HttpChannel {
  readonly type = 'feishu' as const;

  async send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome> {
    const c = target.config;
    const url = `${trimSlash(target.baseUrl ?? 'https://open.feishu.cn')}/open-apis/bot/v2/hook/${encodeURIComponent(str(c.token))}`;
    const template = { buy: 'green', sell: 'red', alert: 'orange', info: 'blue' }[content.tone];
    const payload: Record<string, unknown> = {};
    if (c.secret) {
      const ts = Math.floor(ctx.nowMs / 1000);
      payload.timestamp = String(ts);
      payload.sign = feishuSign(str(c.secret), ts);
    }
    payload.msg_type = 'interactive';
    payload.card = {
      schema: '2.0',
      header: { title: { tag: 'plain_text', content: content.title }, template },
      body: { elements: [{ tag: 'markdown', content: renderMarkdown(content) }] },
    };
    const res = await this.post(target, url, JSON.stringify(payload), { 'content-type': 'application/json' });
    if (!('status' in res)) return res;
    const verdict = parseJson(res.body);
    if (verdict && typeof verdict.code === 'number') return feishuVerdict(verdict, res);
    return (
      this.fromStatus(res, ctx.nowMs, 'feishu') ?? {
        ok: false,
        retryable: false,
        error: 'feishu: unreadable answer',
        httpStatus: res.status,
        latencyMs: res.latencyMs,
      }
    );
  }
}

function feishuVerdict(v: Record<string, unknown>, res: OutboundResponse): SendOutcome {
  const code = v.code as number;
  const base = { httpStatus: res.status, latencyMs: res.latencyMs };
  if (code === 0) return { ok: true, retryable: false, ...base };
  const msg = short(v.msg);
  // 11232 is the rate limit; 9499 is a malformed body unless its msg says "too many" (§1).
  if (code === 11232 || (code === 9499 && /too many/i.test(msg)))
    return { ok: false, retryable: true, rateLimited: true, error: `feishu ${code} ${msg}`, ...base };
  if (res.status >= 500) return { ok: false, retryable: true, error: `feishu ${code} ${msg}`, ...base };
  return { ok: false, retryable: false, error: `feishu ${code} ${msg}`, ...base };
}

// ---------------------------------------------------------------- DingTalk (§2)

export class DingtalkChannel extends HttpChannel {
  readonly type = 'dingtalk' as const;

  async send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome> {
    const c = target.config;
    let url = `${trimSlash(target.baseUrl ?? 'https://oapi.dingtalk.com')}/robot/send?access_token=${encodeURIComponent(str(c.access_token))}`;
    if (c.secret)
      url += `&timestamp=${ctx.nowMs}&sign=${encodeURIComponent(dingtalkSign(str(c.secret), ctx.nowMs))}`;
    const body = JSON.stringify({
      msgtype: 'markdown',
      markdown: { title: content.title, text: `#### ${content.title}\n${renderMarkdown(content)}` },
    });
    const res = await this.post(target, url, body, { 'content-type': 'application/json; charset=utf-8' });
    if (!('status' in res)) return res;
    return errcodeVerdict('dingtalk', res, ctx.nowMs, [130101], this);
  }
}

// ---------------------------------------------------------------- WeCom (§3)

export class WecomChannel extends HttpChannel {
  readonly type = 'wecom' as const;

  async send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome> {
    const url = `${trimSlash(target.baseUrl ?? 'https://qyapi.weixin.qq.com')}/cgi-bin/webhook/send?key=${encodeURIComponent(str(target.config.key))}`;
    const body = JSON.stringify({
      msgtype: 'markdown',
      markdown: { content: cutBytes(`**${content.title}**\n${renderMarkdown(content)}`, 4096) },
    });
    const res = await this.post(target, url, body, { 'content-type': 'application/json' });
    if (!('status' in res)) return res;
    return errcodeVerdict('wecom', res, ctx.nowMs, [45009], this);
  }
}

/** DingTalk and WeCom: `errcode` in the body decides; listed codes are rate limits. */
function errcodeVerdict(
  vendor: string,
  res: OutboundResponse,
  nowMs: number,
  rateCodes: number[],
  ch: HttpChannel,
): SendOutcome {
  const v = parseJson(res.body);
  const base = { httpStatus: res.status, latencyMs: res.latencyMs };
  if (v && typeof v.errcode === 'number') {
    if (v.errcode === 0) return { ok: true, retryable: false, ...base };
    const error = `${vendor} ${v.errcode} ${short(v.errmsg)}`;
    if (rateCodes.includes(v.errcode))
      return { ok: false, retryable: true, rateLimited: true, error, ...base };
    return { ok: false, retryable: res.status >= 500, error, ...base };
  }
  return (
    ch.fromStatus(res, nowMs, vendor) ?? {
      ok: false,
      retryable: false,
      error: `${vendor}: unreadable answer`,
      ...base,
    }
  );
}

/** At most `max` UTF-8 bytes, never splitting a character. */
function cutBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch + '…', 'utf8') > max) break;
    out += ch;
  }
  return `${out}…`;
}

// ---------------------------------------------------------------- Telegram (§4)

export class TelegramChannel extends HttpChannel {
  readonly type = 'telegram' as const;

  async send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome> {
    const c = target.config;
    const url = `${trimSlash(target.baseUrl ?? 'https://api.telegram.org')}/bot${str(c.bot_token)}/sendMessage`;
    const lines = [`<b>${escapeHtml(content.title)}</b>`, ...renderText(content, escapeHtml)];
    const text = lines.join('\n').slice(0, 4000);
    const chat = str(c.chat_id);
    const body = JSON.stringify({
      chat_id: /^-?\d+$/.test(chat) ? Number(chat) : chat,
      text,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    const res = await this.post(target, url, body, { 'content-type': 'application/json' });
    if (!('status' in res)) return res;
    const v = parseJson(res.body);
    const base = { httpStatus: res.status, latencyMs: res.latencyMs };
    if (v?.ok === true) {
      const result = v.result as { message_id?: unknown } | undefined;
      return {
        ok: true,
        retryable: false,
        vendorId: result?.message_id !== undefined ? str(result.message_id) : null,
        ...base,
      };
    }
    const params = (v?.parameters ?? {}) as { retry_after?: unknown };
    const error = `telegram ${str(v?.error_code ?? res.status)} ${short(v?.description)}`;
    if (res.status === 429 || v?.error_code === 429) {
      const retryAfterMs =
        typeof params.retry_after === 'number'
          ? params.retry_after * 1000
          : retryAfterHeaderMs(res.headers['retry-after'], ctx.nowMs);
      return { ok: false, retryable: true, rateLimited: true, retryAfterMs, error, ...base };
    }
    return { ok: false, retryable: res.status >= 500, error, ...base };
  }
}

// ---------------------------------------------------------------- generic webhook (§8)

export class WebhookChannel extends HttpChannel {
  readonly type = 'webhook' as const;

  async send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome> {
    const c = target.config;
    const body = JSON.stringify(content.event);
    const ts = Math.floor(ctx.nowMs / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'webhook-id': ctx.id,
      'webhook-timestamp': String(ts),
    };
    if (c.secret) headers['webhook-signature'] = standardWebhookSignature(str(c.secret), ctx.id, ts, body);
    const res = await this.post(target, str(c.url), body, headers);
    if (!('status' in res)) return res;
    return (
      this.fromStatus(res, ctx.nowMs, 'webhook') ?? {
        ok: true,
        retryable: false,
        httpStatus: res.status,
        latencyMs: res.latencyMs,
      }
    );
  }
}

// ---------------------------------------------------------------- SMS (§5, §6)

/** The template parameters named in the channel config, in order (default: strategy, pair, side, strength). */
function smsParams(config: Record<string, unknown>, content: MessageContent): [string, string][] {
  const names =
    Array.isArray(config.param_names) && config.param_names.length
      ? (config.param_names as string[])
      : ['strategy', 'pair', 'side', 'strength'];
  return names.map((n) => [n, content.smsParams[n] ?? '']);
}

/** The last 4 digits: enough to tell numbers apart in history, not enough to leak them. */
const maskPhone = (p: string) => `***${p.slice(-4)}`;

export class AliyunSmsChannel extends HttpChannel {
  readonly type = 'sms' as const;

  async send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome> {
    const c = target.config;
    const base = new URL(target.baseUrl ?? 'https://dysmsapi.aliyuncs.com');
    const query = {
      PhoneNumbers: (c.phone_numbers as string[]).join(','),
      SignName: str(c.sign_name),
      TemplateCode: str(c.template_code),
      TemplateParam: JSON.stringify(Object.fromEntries(smsParams(c, content))),
    };
    const headers = acs3Sign({
      method: 'POST',
      host: base.host,
      query,
      headers: {
        'x-acs-action': 'SendSms',
        'x-acs-version': '2017-05-25',
        'x-acs-date': new Date(ctx.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        'x-acs-signature-nonce': randomBytes(16).toString('hex'),
      },
      body: '',
      accessKeyId: str(c.access_key_id),
      accessKeySecret: str(c.access_key_secret),
    });
    // undici sets Host from the URL (the same value that was signed).
    const sendHeaders = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'host'));
    const qs = Object.entries(query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    const res = await this.post(target, `${trimSlash(base.toString())}/?${qs}`, '', {
      ...sendHeaders,
      accept: 'application/json',
    });
    if (!('status' in res)) return res;
    const v = parseJson(res.body);
    const b = { httpStatus: res.status, latencyMs: res.latencyMs };
    if (v && typeof v.Code === 'string') {
      if (v.Code === 'OK')
        return { ok: true, retryable: false, vendorId: v.BizId ? str(v.BizId) : null, ...b };
      // Only the code and request id: SignatureDoesNotMatch echoes the string-to-sign, numbers included.
      const error = `aliyun ${v.Code} (request ${short(v.RequestId)})`;
      if (
        v.Code === 'isv.BUSINESS_LIMIT_CONTROL' ||
        v.Code === 'Throttling' ||
        v.Code.startsWith('Throttling')
      )
        return { ok: false, retryable: true, rateLimited: true, error, ...b };
      if (v.Code === 'isp.SYSTEM_ERROR' || res.status >= 500)
        return { ok: false, retryable: true, error, ...b };
      return { ok: false, retryable: false, error, ...b };
    }
    return (
      this.fromStatus(res, ctx.nowMs, 'aliyun') ?? {
        ok: false,
        retryable: false,
        error: 'aliyun: unreadable answer',
        ...b,
      }
    );
  }
}

export class TencentSmsChannel extends HttpChannel {
  readonly type = 'sms' as const;

  async send(target: ChannelTarget, content: MessageContent, ctx: SendContext): Promise<SendOutcome> {
    const c = target.config;
    const base = new URL(target.baseUrl ?? 'https://sms.tencentcloudapi.com');
    const ts = Math.floor(ctx.nowMs / 1000);
    const body = JSON.stringify({
      PhoneNumberSet: c.phone_numbers as string[],
      SmsSdkAppId: str(c.sdk_app_id),
      SignName: str(c.sign_name),
      TemplateId: str(c.template_code),
      TemplateParamSet: smsParams(c, content).map(([, v]) => v),
    });
    const contentType = 'application/json';
    const headers = {
      'content-type': contentType,
      'x-tc-action': 'SendSms',
      'x-tc-version': '2021-01-11',
      'x-tc-timestamp': String(ts),
      'x-tc-region': str(c.region) || 'ap-guangzhou',
      authorization: tc3Authorization({
        host: base.host,
        service: 'sms',
        contentType,
        body,
        timestampSec: ts,
        secretId: str(c.access_key_id),
        secretKey: str(c.access_key_secret),
      }),
    };
    const res = await this.post(target, base.toString(), body, headers);
    if (!('status' in res)) return res;
    const b = { httpStatus: res.status, latencyMs: res.latencyMs };
    const failed = this.fromStatus(res, ctx.nowMs, 'tencent');
    if (failed) return failed;
    const r = parseJson(res.body)?.Response as
      | {
          Error?: { Code?: string };
          RequestId?: string;
          SendStatusSet?: { Code?: string; PhoneNumber?: string; SerialNo?: string }[];
        }
      | undefined;
    if (!r) return { ok: false, retryable: false, error: 'tencent: unreadable answer', ...b };
    if (r.Error) {
      const code = str(r.Error.Code);
      const error = `tencent ${code} (request ${short(r.RequestId)})`;
      if (code === 'RequestLimitExceeded' || code.startsWith('LimitExceeded'))
        return { ok: false, retryable: true, rateLimited: true, error, ...b };
      if (code.startsWith('InternalError')) return { ok: false, retryable: true, error, ...b };
      return { ok: false, retryable: false, error, ...b };
    }
    // Per-number failures arrive inside a "successful" answer: every entry must say "Ok".
    const set = r.SendStatusSet ?? [];
    const bad = set.filter((s) => s.Code !== 'Ok');
    if (!set.length || bad.length) {
      const error = `tencent ${bad.map((s) => `${maskPhone(str(s.PhoneNumber))}:${str(s.Code)}`).join(', ') || 'empty SendStatusSet'} (request ${short(r.RequestId)})`;
      // Retry only when nothing went out and every failure is a rate limit (a retry would repeat delivered ones).
      const allLimited =
        bad.length === set.length && bad.every((s) => str(s.Code).startsWith('LimitExceeded'));
      return { ok: false, retryable: allLimited && set.length > 0, rateLimited: allLimited, error, ...b };
    }
    return { ok: true, retryable: false, vendorId: set.map((s) => str(s.SerialNo)).join(',') || null, ...b };
  }
}
