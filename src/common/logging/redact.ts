/** Keys whose values never reach a log line or an audit record, wherever they are nested. */
const SECRET_KEY =
  /pass(word|wd|phrase)?$|secret|token|authorization|cookie|api[_-]?key|private[_-]?key|credential|signature|^dsn$|database_url|redis_url/i;

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A copy of `value` with secret-looking keys replaced, depth-limited so a cyclic or huge object is cheap. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[Truncated]';
  if (value instanceof Error) return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

/** Strips credentials from a connection URL (postgres://user:pass@host → postgres://user:***@host). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}
