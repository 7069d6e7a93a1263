import { describe, expect, it } from '@jest/globals';
import {
  OutboundHttp,
  OutboundHttpError,
  type OutboundRequest,
  type OutboundResponse,
} from '../http/outbound-http.port.js';
import type { ChannelTarget, MessageContent } from './channel.port.js';
import {
  FeishuChannel,
  TelegramChannel,
  TencentSmsChannel,
  WebhookChannel,
  retryAfterHeaderMs,
} from './http-channels.js';

class FakeHttp extends OutboundHttp {
  readonly sent: OutboundRequest[] = [];
  constructor(private readonly answer: (r: OutboundRequest) => OutboundResponse | Error) {
    super();
  }
  request(req: OutboundRequest): Promise<OutboundResponse> {
    this.sent.push(req);
    const a = this.answer(req);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  }
}
const reply =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () => ({
    status,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    latencyMs: 3,
  });
const content: MessageContent = {
  kind: 'test',
  title: 'T <1>',
  level: 'P0',
  tone: 'info',
  lines: [{ label: 'a', value: 'b & c' }],
  items: [],
  footer: null,
  smsParams: { strategy: 's', pair: 'BTC/USDT', side: 'BUY', strength: '85' },
  event: { type: 'x', timestamp: '2026-01-01T00:00:00Z', data: {} },
};
const ctx = { id: 'n1', nowMs: 1_700_000_000_000 };
const target = (type: ChannelTarget['type'], config: Record<string, unknown>): ChannelTarget => ({
  type,
  config,
  baseUrl: 'http://vendor.test',
  proxy: null,
});

describe('vendor verdicts are read from the body', () => {
  it('Feishu: code 0 ok; 11232 and 9499 "too many" are rate limits; 9499 otherwise and 19021 are final', async () => {
    const verdict = async (body: unknown) =>
      new FeishuChannel(new FakeHttp(reply(200, body))).send(target('feishu', { token: 't' }), content, ctx);
    expect(await verdict({ code: 0, msg: 'success' })).toMatchObject({ ok: true });
    expect(await verdict({ code: 11232, msg: 'frequency limited' })).toMatchObject({
      ok: false,
      retryable: true,
      rateLimited: true,
    });
    expect(await verdict({ code: 9499, msg: 'too many request' })).toMatchObject({
      retryable: true,
      rateLimited: true,
    });
    expect(await verdict({ code: 9499, msg: 'Bad Request' })).toMatchObject({ retryable: false });
    expect(await verdict({ code: 19021, msg: 'sign match fail' })).toMatchObject({
      retryable: false,
      error: 'feishu 19021 sign match fail',
    });
  });

  it('network failures and 5xx retry; 429 honours Retry-After', async () => {
    const net = await new WebhookChannel(
      new FakeHttp(() => new OutboundHttpError('connect', 'ECONNREFUSED', 2)),
    ).send(target('webhook', { url: 'http://x' }), content, ctx);
    expect(net).toMatchObject({ ok: false, retryable: true, error: 'network (connect)' });
    const busy = await new WebhookChannel(new FakeHttp(reply(429, '', { 'retry-after': '7' }))).send(
      target('webhook', { url: 'http://x' }),
      content,
      ctx,
    );
    expect(busy).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: 7000 });
    const down = await new WebhookChannel(new FakeHttp(reply(503, 'x'))).send(
      target('webhook', { url: 'http://x' }),
      content,
      ctx,
    );
    expect(down).toMatchObject({ retryable: true });
    const gone = await new WebhookChannel(new FakeHttp(reply(410, 'x'))).send(
      target('webhook', { url: 'http://x' }),
      content,
      ctx,
    );
    expect(gone).toMatchObject({ retryable: false });
    expect(retryAfterHeaderMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(10_000);
  });

  it('Telegram: retry_after in the body; text escaped for HTML', async () => {
    const http = new FakeHttp(
      reply(429, {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 5',
        parameters: { retry_after: 5 },
      }),
    );
    const o = await new TelegramChannel(http).send(
      target('telegram', { bot_token: '1:a', chat_id: '-100' }),
      content,
      ctx,
    );
    expect(o).toMatchObject({ retryable: true, retryAfterMs: 5000 });
    const sent = JSON.parse(String(http.sent[0]!.body)) as { text: string; chat_id: number };
    expect(sent.text).toContain('<b>T &lt;1&gt;</b>');
    expect(sent.text).toContain('b &amp; c');
    expect(sent.chat_id).toBe(-100);
  });

  it('Tencent SMS: a per-number failure inside HTTP 200 fails the send, numbers masked', async () => {
    const http = new FakeHttp(
      reply(200, {
        Response: {
          SendStatusSet: [
            { PhoneNumber: '+8613800000001', Code: 'Ok', SerialNo: 's1' },
            { PhoneNumber: '+8613800000002', Code: 'FailedOperation.PhoneNumberInBlacklist' },
          ],
          RequestId: 'r1',
        },
      }),
    );
    const o = await new TencentSmsChannel(http).send(
      target('sms', {
        provider: 'tencent',
        access_key_id: 'id',
        access_key_secret: 'k',
        sdk_app_id: '1',
        sign_name: 's',
        template_code: '1',
        phone_numbers: ['+8613800000001', '+8613800000002'],
      }),
      content,
      ctx,
    );
    expect(o).toMatchObject({ ok: false, retryable: false });
    expect(o.error).toBe('tencent ***0002:FailedOperation.PhoneNumberInBlacklist (request r1)');
    const auth = await new TencentSmsChannel(
      new FakeHttp(
        reply(200, {
          Response: { Error: { Code: 'AuthFailure.SignatureFailure', Message: 'x' }, RequestId: 'r2' },
        }),
      ),
    ).send(target('sms', { provider: 'tencent', phone_numbers: ['+8613800000001'] }), content, ctx);
    expect(auth).toMatchObject({ ok: false, retryable: false });
  });
});
