import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { bearer, createUser, login } from '../factories/user.factory.js';
import { MODES } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';
import { UsersService } from '../../src/modules/users/users.service.js';

const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const ME = '/api/v1/auth/me';

describe.each(MODES)('auth (%s)', (mode) => {
  let t: TestApp;
  // Every test that fails logins on purpose uses its own client address, so the per-IP limit of one
  // test never blocks another.
  let ipSeq = 10;
  const ip = () => `10.0.0.${ipSeq++}`;

  beforeAll(async () => {
    t = await startTestApp({ mode, env: { RATE_LIMIT_MAX: '0' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('login', () => {
    it('returns tokens and the user in the envelope', async () => {
      const u = await createUser(t);
      const res = await t.request({
        method: 'POST',
        url: LOGIN,
        payload: { username: u.username.toUpperCase(), password: u.password },
      });
      expect(res.statusCode).toBe(200);
      const b = body(res);
      expect(b).toMatchObject({ success: true, message: 'Success', request_id: res.headers['x-request-id'] });
      expect(b.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(b.data).toMatchObject({
        token_type: 'bearer',
        expires_in: 3600,
        user: { id: u.id, username: u.username, language: 'zh-CN', timezone: 'Asia/Shanghai' },
      });
      expect(b.data.refresh_token).toMatch(/^rt_/);
      expect(b.data.user.last_login_at).not.toBeNull();
      expect(b.data.user).not.toHaveProperty('hashed_password');
    });

    it('wrong password, unknown user and inactive user all answer the same 401', async () => {
      const u = await createUser(t);
      const inactive = await createUser(t);
      const users = t.app.get(UsersService);
      const entity = (await users.findById(inactive.id))!;
      entity.isActive = false;
      await (users as any).users.save(entity);
      const from = ip();
      const attempts = [
        { username: u.username, password: 'wrong-password' },
        { username: 'nobody-here', password: 'whatever-password' },
        { username: inactive.username, password: inactive.password },
      ];
      const bodies: { code: string; message: string }[] = [];
      for (const payload of attempts) {
        const res = await t.request({ method: 'POST', url: LOGIN, payload, remoteAddress: from });
        expect(res.statusCode).toBe(401);
        bodies.push(body(res).error);
      }
      expect(bodies.every((e) => e.code === 'INVALID_CREDENTIALS' && e.message === bodies[0].message)).toBe(
        true,
      );
    });

    it('validates the body: missing fields and unknown fields are 400 with per-field details', async () => {
      const res = await t.request({ method: 'POST', url: LOGIN, payload: { username: 'x', extra: 1 } });
      expect(res.statusCode).toBe(400);
      const err = body(res).error;
      expect(err.code).toBe('VALIDATION_ERROR');
      const fields = err.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['password', 'extra']));
    });

    it('after 5 failures for a username, even the right password gets 429 with Retry-After, from any address', async () => {
      const u = await createUser(t);
      for (let i = 0; i < 5; i++) {
        const res = await t.request({
          method: 'POST',
          url: LOGIN,
          payload: { username: u.username, password: 'bad-password' },
          remoteAddress: ip(),
        });
        expect(res.statusCode).toBe(401);
      }
      const blocked = await t.request({
        method: 'POST',
        url: LOGIN,
        payload: { username: u.username, password: u.password },
        remoteAddress: ip(),
      });
      expect(blocked.statusCode).toBe(429);
      expect(body(blocked).error.code).toBe('TOO_MANY_REQUESTS');
      const retry = Number(blocked.headers['retry-after']);
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(300);
    });

    it('after 5 failures from one address, that address is blocked for other usernames too', async () => {
      const from = ip();
      for (let i = 0; i < 5; i++) {
        await t.request({
          method: 'POST',
          url: LOGIN,
          payload: { username: `ghost${i}`, password: 'bad-password' },
          remoteAddress: from,
        });
      }
      const u = await createUser(t);
      const res = await t.request({
        method: 'POST',
        url: LOGIN,
        payload: { username: u.username, password: u.password },
        remoteAddress: from,
      });
      expect(res.statusCode).toBe(429);
      const elsewhere = await t.request({
        method: 'POST',
        url: LOGIN,
        payload: { username: u.username, password: u.password },
        remoteAddress: ip(),
      });
      expect(elsewhere.statusCode).toBe(200);
    });
  });

  describe('access tokens', () => {
    it('routes need a token: none, malformed, forged and expired are 401 with distinct codes', async () => {
      expect(body(await t.request({ method: 'GET', url: ME })).error.code).toBe('UNAUTHORIZED');
      const bad = await t.request({ method: 'GET', url: ME, headers: bearer('not.a.jwt') });
      expect(bad.statusCode).toBe(401);
      expect(body(bad).error.code).toBe('UNAUTHORIZED');
      const forged = new JwtService({ secret: 'x'.repeat(40) }).sign(
        { sid: 'a', typ: 'access' },
        { subject: '1' },
      );
      expect(body(await t.request({ method: 'GET', url: ME, headers: bearer(forged) })).error.code).toBe(
        'UNAUTHORIZED',
      );
      const u = await createUser(t);
      const sid = JSON.parse(Buffer.from(u.accessToken.split('.')[1]!, 'base64url').toString()).sid as string;
      const expired = new JwtService({ secret: t.config.auth.jwtSecret }).sign(
        { sid, typ: 'access', exp: Math.floor(Date.now() / 1000) - 10 },
        { subject: String(u.id) },
      );
      const res = await t.request({ method: 'GET', url: ME, headers: bearer(expired) });
      expect(res.statusCode).toBe(401);
      expect(body(res).error.code).toBe('TOKEN_EXPIRED');
    });

    it('a refresh token is not an access token', async () => {
      const u = await createUser(t);
      const res = await t.request({ method: 'GET', url: ME, headers: bearer(u.refreshToken) });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('refresh', () => {
    it('rotates: the new pair works, the old refresh token does not', async () => {
      const u = await createUser(t);
      const res = await t.request({
        method: 'POST',
        url: REFRESH,
        payload: { refresh_token: u.refreshToken },
      });
      expect(res.statusCode).toBe(200);
      const next = body(res).data;
      expect(next).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
      expect(next.refresh_token).not.toBe(u.refreshToken);
      expect(
        (await t.request({ method: 'GET', url: ME, headers: bearer(next.access_token) })).statusCode,
      ).toBe(200);
      // The refresh token may also come as a bearer header (the seed's form).
      const viaHeader = await t.request({
        method: 'POST',
        url: REFRESH,
        headers: bearer(next.refresh_token),
      });
      expect(viaHeader.statusCode).toBe(200);
    });

    it('reusing a rotated refresh token revokes the whole session (theft)', async () => {
      const u = await createUser(t);
      const first = body(
        await t.request({ method: 'POST', url: REFRESH, payload: { refresh_token: u.refreshToken } }),
      ).data;
      const reuse = await t.request({
        method: 'POST',
        url: REFRESH,
        payload: { refresh_token: u.refreshToken },
      });
      expect(reuse.statusCode).toBe(401);
      expect(body(reuse).error.code).toBe('SESSION_REVOKED');
      // Everything of that session is dead now: the thief's and the owner's tokens alike.
      expect(
        (await t.request({ method: 'POST', url: REFRESH, payload: { refresh_token: first.refresh_token } }))
          .statusCode,
      ).toBe(401);
      const me = await t.request({ method: 'GET', url: ME, headers: bearer(first.access_token) });
      expect(me.statusCode).toBe(401);
      expect(body(me).error.code).toBe('SESSION_REVOKED');
      // Another session of the same user is untouched.
      const other = await login(t, u.username, u.password);
      expect(
        (await t.request({ method: 'GET', url: ME, headers: bearer(other.accessToken) })).statusCode,
      ).toBe(200);
    });

    it('garbage, missing and unknown refresh tokens are 401 INVALID_REFRESH_TOKEN', async () => {
      for (const payload of [
        {},
        { refresh_token: 'nope' },
        { refresh_token: `rt_00000000-0000-4000-8000-000000000000.${'a'.repeat(43)}` },
      ]) {
        const res = await t.request({ method: 'POST', url: REFRESH, payload });
        expect(res.statusCode).toBe(401);
        expect(body(res).error.code).toBe('INVALID_REFRESH_TOKEN');
      }
    });
  });

  describe('logout', () => {
    it('revokes the session: its access token stops working at once, its refresh token too', async () => {
      const u = await createUser(t);
      expect((await t.request({ method: 'GET', url: ME, headers: bearer(u.accessToken) })).statusCode).toBe(
        200,
      );
      const out = await t.request({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: bearer(u.accessToken),
      });
      expect(out.statusCode).toBe(200);
      expect(body(out)).toMatchObject({ success: true, data: null, message: 'Logged out' });
      const me = await t.request({ method: 'GET', url: ME, headers: bearer(u.accessToken) });
      expect(me.statusCode).toBe(401);
      expect(body(me).error.code).toBe('SESSION_REVOKED');
      expect(
        (await t.request({ method: 'POST', url: REFRESH, payload: { refresh_token: u.refreshToken } }))
          .statusCode,
      ).toBe(401);
    });
  });

  describe('profile', () => {
    it('GET /auth/me returns the profile; PUT updates fields and validates them', async () => {
      const u = await createUser(t);
      const me = body(await t.request({ method: 'GET', url: ME, headers: bearer(u.accessToken) })).data;
      expect(me).toMatchObject({
        id: u.id,
        username: u.username,
        email: `${u.username}@example.test`,
        is_superuser: false,
      });
      const put = await t.request({
        method: 'PUT',
        url: ME,
        headers: bearer(u.accessToken),
        payload: {
          full_name: 'Ada',
          language: 'en-US',
          timezone: 'Europe/Berlin',
          email: `NEW-${u.username}@Example.test`,
        },
      });
      expect(put.statusCode).toBe(200);
      expect(body(put).data).toMatchObject({
        full_name: 'Ada',
        language: 'en-US',
        timezone: 'Europe/Berlin',
        email: `new-${u.username}@example.test`,
      });
      const bad = await t.request({
        method: 'PUT',
        url: ME,
        headers: bearer(u.accessToken),
        payload: { timezone: 'Mars/Olympus', language: 'english' },
      });
      expect(bad.statusCode).toBe(400);
      expect(
        body(bad)
          .error.details.map((d: { field: string }) => d.field)
          .sort(),
      ).toEqual(['language', 'timezone']);
    });

    it('a taken email is 409 EMAIL_TAKEN', async () => {
      const a = await createUser(t);
      const b = await createUser(t);
      const res = await t.request({
        method: 'PUT',
        url: ME,
        headers: bearer(b.accessToken),
        payload: { email: `${a.username}@example.test` },
      });
      expect(res.statusCode).toBe(409);
      expect(body(res).error.code).toBe('EMAIL_TAKEN');
    });

    it('password change needs the current password and signs out the other sessions only', async () => {
      const u = await createUser(t);
      const other = await login(t, u.username, u.password);
      const missing = await t.request({
        method: 'PUT',
        url: ME,
        headers: bearer(u.accessToken),
        payload: { new_password: 'brand-new-pass' },
      });
      expect(missing.statusCode).toBe(400);
      expect(body(missing).error.code).toBe('VALIDATION_ERROR');
      const wrong = await t.request({
        method: 'PUT',
        url: ME,
        headers: bearer(u.accessToken),
        payload: { current_password: 'nope-nope', new_password: 'brand-new-pass' },
      });
      expect(wrong.statusCode).toBe(400);
      expect(body(wrong).error.code).toBe('INVALID_CURRENT_PASSWORD');
      const short = await t.request({
        method: 'PUT',
        url: ME,
        headers: bearer(u.accessToken),
        payload: { current_password: u.password, new_password: 'short' },
      });
      expect(short.statusCode).toBe(400);
      const ok = await t.request({
        method: 'PUT',
        url: ME,
        headers: bearer(u.accessToken),
        payload: { current_password: u.password, new_password: 'brand-new-pass' },
      });
      expect(ok.statusCode).toBe(200);
      expect((await t.request({ method: 'GET', url: ME, headers: bearer(u.accessToken) })).statusCode).toBe(
        200,
      );
      expect(
        (await t.request({ method: 'GET', url: ME, headers: bearer(other.accessToken) })).statusCode,
      ).toBe(401);
      expect(
        (
          await t.request({
            method: 'POST',
            url: LOGIN,
            payload: { username: u.username, password: u.password },
            remoteAddress: ip(),
          })
        ).statusCode,
      ).toBe(401);
      expect(
        (
          await t.request({
            method: 'POST',
            url: LOGIN,
            payload: { username: u.username, password: 'brand-new-pass' },
            remoteAddress: ip(),
          })
        ).statusCode,
      ).toBe(200);
    });
  });

  describe('register', () => {
    it('is closed once a user exists and ALLOW_REGISTRATION is off', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { username: 'newbie', email: 'newbie@example.test', password: 'long-enough-1' },
      });
      expect(res.statusCode).toBe(403);
      expect(body(res).error.code).toBe('REGISTRATION_DISABLED');
    });
  });
});

describe.each(MODES)('registration enabled (%s)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode, env: { ALLOW_REGISTRATION: 'true' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a normal user (201), who can log in; duplicates are 409; weak input is 400', async () => {
    const payload = {
      username: 'Newbie',
      email: 'newbie@example.test',
      password: 'long-enough-1',
      full_name: 'New Bie',
    };
    const res = await t.request({ method: 'POST', url: '/api/v1/auth/register', payload });
    expect(res.statusCode).toBe(201);
    expect(body(res).data).toMatchObject({ username: 'newbie', is_superuser: false, full_name: 'New Bie' });
    await login(t, 'newbie', 'long-enough-1');
    const dup = await t.request({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { ...payload, email: 'other@example.test' },
    });
    expect(dup.statusCode).toBe(409);
    expect(body(dup).error.code).toBe('USERNAME_TAKEN');
    const dupMail = await t.request({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { ...payload, username: 'another' },
    });
    expect(body(dupMail).error.code).toBe('EMAIL_TAKEN');
    const weak = await t.request({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { username: 'a b', email: 'not-an-email', password: 'short' },
    });
    expect(weak.statusCode).toBe(400);
    expect(
      body(weak)
        .error.details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['email', 'password', 'username']);
  });
});
