import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bearer, createUser } from '../factories/user.factory.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Embedded PGlite is one database session behind every pooled connection: while one connection
 * holds a transaction, pglite-socket runs no other connection's queries. A code path that awaits a
 * query on another connection inside its own transaction therefore never finishes. Requests here
 * run one at a time, so nothing else can hold the session: each must complete well within the
 * limit, or the path has that flaw.
 */
describe('hot paths on embedded PGlite hold no transaction across connections', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      mode: 'embedded',
      env: { ALLOW_REGISTRATION: 'true', RATE_LIMIT_MAX: '0', DB_POOL_MAX: '5' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const within = async <T>(label: string, p: Promise<T>, ms = 5000): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`${label} did not complete in ${ms} ms: a transaction awaits another connection`)),
        ms,
      );
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  it('register, login, refresh (rotation and reuse), profile, password change, logout', async () => {
    const reg = await within(
      'register',
      t.request({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { username: 'txuser', email: 'tx@example.test', password: 'tx-password-1' },
      }),
    );
    expect(reg.statusCode).toBe(201);
    const login = await within(
      'login',
      t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'txuser', password: 'tx-password-1' },
      }),
    );
    const tokens = body(login).data;
    const rotated = await within(
      'refresh',
      t.request({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refresh_token: tokens.refresh_token },
      }),
    );
    expect(rotated.statusCode).toBe(200);
    const reuse = await within(
      'refresh reuse',
      t.request({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refresh_token: tokens.refresh_token },
      }),
    );
    expect(reuse.statusCode).toBe(401);
    const u = await within('factory', createUser(t));
    const me = await within(
      'me',
      t.request({
        method: 'PUT',
        url: '/api/v1/auth/me',
        headers: bearer(u.accessToken),
        payload: { current_password: u.password, new_password: 'another-pass-1' },
      }),
    );
    expect(me.statusCode).toBe(200);
    const out = await within(
      'logout',
      t.request({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(u.accessToken) }),
    );
    expect(out.statusCode).toBe(200);
    const failed = await within(
      'failed login',
      t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'txuser', password: 'nope-nope' },
      }),
    );
    expect(failed.statusCode).toBe(401);
  });

  it('concurrent refreshes of one token: one rotates, the other is treated as reuse, none hangs', async () => {
    const u = await createUser(t);
    const [a, b] = await within(
      'concurrent refresh',
      Promise.all(
        [0, 1].map(() =>
          t.request({
            method: 'POST',
            url: '/api/v1/auth/refresh',
            payload: { refresh_token: u.refreshToken },
          }),
        ),
      ),
    );
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 401]);
  });
});
