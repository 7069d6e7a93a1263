import { JsonFragment } from './json-fragment.js';

/**
 * Fastify's reply serializer: `JSON.stringify`, except for an envelope whose `data` is a
 * JsonFragment. That one becomes a Buffer with the fragment's bytes copied in as they are: no
 * parsing, no re-serialising, and no UTF-8 pass over the body for its Content-Length or its write.
 * Keys keep their order; undefined, function and symbol values are left out, as JSON.stringify does.
 */
export function serializeReply(payload: unknown): string | Buffer {
  if (
    payload === null ||
    typeof payload !== 'object' ||
    !((payload as { data?: unknown }).data instanceof JsonFragment)
  )
    return JSON.stringify(payload);
  const parts: Buffer[] = [];
  let text = '{';
  for (const [key, value] of Object.entries(payload)) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    text += `${text === '{' ? '' : ','}${JSON.stringify(key)}:`;
    if (value instanceof JsonFragment) {
      parts.push(Buffer.from(text, 'utf8'), value.bytes);
      text = '';
    } else text += JSON.stringify(value);
  }
  parts.push(Buffer.from(`${text}}`, 'utf8'));
  return Buffer.concat(parts);
}
