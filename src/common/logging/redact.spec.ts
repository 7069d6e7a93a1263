import { describe, expect, it } from '@jest/globals';
import { REDACTED, redact, redactUrl } from './redact.js';

describe('redact', () => {
  it('replaces secret-looking keys at any depth and keeps the rest', () => {
    const input = {
      username: 'alice',
      password: 'hunter22',
      body: { refresh_token: 'r', nested: [{ Authorization: 'Bearer x', apiKey: 'k', ok: 1 }] },
      headers: { cookie: 'c', 'x-request-id': 'id' },
      new_password: 'p',
      current_password: 'q',
      jwt_secret: 's',
    };
    expect(redact(input)).toEqual({
      username: 'alice',
      password: REDACTED,
      body: { refresh_token: REDACTED, nested: [{ Authorization: REDACTED, apiKey: REDACTED, ok: 1 }] },
      headers: { cookie: REDACTED, 'x-request-id': 'id' },
      new_password: REDACTED,
      current_password: REDACTED,
      jwt_secret: REDACTED,
    });
    expect(input.password).toBe('hunter22');
  });

  it('survives cycles by depth limit', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(() => JSON.stringify(redact(a))).not.toThrow();
  });

  it('masks URL passwords', () => {
    expect(redactUrl('postgres://u:topsecret@db:5432/x')).toBe('postgres://u:***@db:5432/x');
    expect(redactUrl('not a url')).toBe('[unparseable url]');
  });
});
