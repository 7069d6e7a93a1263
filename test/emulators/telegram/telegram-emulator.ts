import { VendorEmulator, type RecordedRequest, type Reply } from '../vendor-http/vendor-emulator.js';

const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-spoiler',
]);

/** A small HTML check in the spirit of Telegram's parser: only whitelisted tags, balanced, and no bare `<`/`&`. */
export function telegramHtmlError(text: string): string | null {
  const stack: string[] = [];
  const re = /<\/?([a-z-]+)[^>]*>|&(?:lt|gt|amp|quot|#\d+);|[<>&]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const token = m[0];
    if (token === '<' || token === '>' || token === '&') return `can't parse entities: unexpected "${token}"`;
    if (!m[1]) continue;
    if (!ALLOWED_TAGS.has(m[1])) return `can't parse entities: unsupported start tag "${m[1]}"`;
    if (token.startsWith('</')) {
      if (stack.pop() !== m[1]) return `can't parse entities: can't find end tag corresponding to start tag`;
    } else stack.push(m[1]);
  }
  return stack.length ? "can't parse entities: can't find end tag" : null;
}

/** Telegram Bot API: /bot{token}/{method} (method case-insensitive); 1 msg/s per chat → 429 retry_after. */
export class TelegramEmulator extends VendorEmulator {
  readonly tokens = new Set<string>();
  readonly accepted: { chat_id: unknown; text: string }[] = [];
  retryAfterSeconds = 1;
  private readonly lastByChat = new Map<string, number>();

  protected handle(r: RecordedRequest): Reply {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(r.path);
    if (!m) return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } };
    if (!this.tokens.has(m[1]!))
      return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
    if (m[2]!.toLowerCase() !== 'sendmessage')
      return {
        status: 404,
        body: { ok: false, error_code: 404, description: 'Not Found: method not found' },
      };
    const body = JSON.parse(r.body) as { chat_id?: unknown; text?: string; parse_mode?: string };
    if (!body.text)
      return {
        status: 400,
        body: { ok: false, error_code: 400, description: 'Bad Request: message text is empty' },
      };
    if (body.parse_mode === 'HTML') {
      const err = telegramHtmlError(body.text);
      if (err)
        return { status: 400, body: { ok: false, error_code: 400, description: `Bad Request: ${err}` } };
    }
    const chat = String(body.chat_id);
    const last = this.lastByChat.get(chat);
    if (last !== undefined && r.at - last < 1000)
      return {
        status: 429,
        body: {
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${this.retryAfterSeconds}`,
          parameters: { retry_after: this.retryAfterSeconds },
        },
      };
    this.lastByChat.set(chat, r.at);
    this.accepted.push({ chat_id: body.chat_id, text: body.text });
    return {
      status: 200,
      body: {
        ok: true,
        result: { message_id: this.accepted.length, chat: { id: body.chat_id }, text: body.text },
      },
    };
  }
}
