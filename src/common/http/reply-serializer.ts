import { JsonFragment } from './json-fragment.js';

/**
 * Fastify's reply serializer: `JSON.stringify`, except that a JsonFragment among the payload's own
 * top-level values (an envelope's `data`) is spliced in as it is, not parsed and serialised again.
 * Keys keep their order; undefined and function values are left out, as JSON.stringify does.
 */
export function serializeReply(payload: unknown): string {
  if (
    payload === null ||
    typeof payload !== 'object' ||
    !((payload as { data?: unknown }).data instanceof JsonFragment)
  )
    return JSON.stringify(payload);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    parts.push(
      `${JSON.stringify(key)}:${value instanceof JsonFragment ? value.json : JSON.stringify(value)}`,
    );
  }
  return `{${parts.join(',')}}`;
}
