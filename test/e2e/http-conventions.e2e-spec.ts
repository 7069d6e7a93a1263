import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

describe.each(MODES)('HTTP conventions (%s)', (mode) => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ mode, captureLogs: true, env: { RATE_LIMIT_MAX: '0' } });
    admin = await createUser(t, { superuser: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('echoes a sane X-Request-Id and uses it in the body; replaces an unsafe one', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/system/health',
      headers: { 'x-request-id': 'trace-abc_123' },
    });
    expect(res.headers['x-request-id']).toBe('trace-abc_123');
    expect(body(res).request_id).toBe('trace-abc_123');
    const unsafe = await t.request({
      method: 'GET',
      url: '/api/v1/system/health',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await t.request({ method: 'GET', url: '/api/v1/system/health' });
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(body(none).request_id).toBe(none.headers['x-request-id']);
  });

  it('unknown routes are 404 NOT_FOUND in the error envelope', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/no/such/thing',
      headers: bearer(admin.accessToken),
    });
    expect(res.statusCode).toBe(404);
    expect(body(res)).toEqual({
      success: false,
      error: { code: 'NOT_FOUND', message: expect.any(String), details: null },
      timestamp: expect.stringMatching(/Z$/),
      request_id: res.headers['x-request-id'],
    });
    // Outside the API prefix too.
    expect(body(await t.request({ method: 'GET', url: '/nothing' })).error.code).toBe('NOT_FOUND');
  });

  it('malformed JSON is 400 INVALID_JSON; a wrong content type is 415', async () => {
    const bad = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error.code).toBe('INVALID_JSON');
    const xml = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(body(xml).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a body over 1 MB is 413 PAYLOAD_TOO_LARGE', async () => {
    const payload = JSON.stringify({ username: 'x', password: 'y'.repeat(1024 * 1024 + 10) });
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(413);
    expect(body(res).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('query validation: bad enum, bad date and end before start are 400 with field details', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/system/logs?level=LOUD&page_size=500&start_time=2026-02-01T00:00:00Z&end_time=2026-01-01T00:00:00Z',
      headers: bearer(admin.accessToken),
    });
    expect(res.statusCode).toBe(400);
    const fields = body(res)
      .error.details.map((d: { field: string }) => d.field)
      .sort();
    expect(fields).toEqual(['end_time', 'level', 'page_size']);
  });

  it('an unexpected failure is 500 INTERNAL_ERROR with an error id that is in the log, and no internals in the body', async () => {
    const ds = t.app.get(DataSource);
    await ds.query('ALTER TABLE system_logs RENAME TO system_logs_hidden');
    try {
      const res = await t.request({
        method: 'GET',
        url: '/api/v1/system/logs',
        headers: bearer(admin.accessToken),
      });
      expect(res.statusCode).toBe(500);
      const b = body(res);
      expect(b.error.code).toBe('INTERNAL_ERROR');
      expect(b.error.message).toBe('Internal server error');
      expect(b.error.details.error_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body).not.toMatch(/system_logs|relation|SELECT|at .*\.js/);
      const logged = t.logs.find((l) => l.error_id === b.error.details.error_id);
      expect(logged).toBeDefined();
      expect(logged!.request_id).toBe(b.request_id);
      expect(JSON.stringify(logged)).toMatch(/system_logs/);
    } finally {
      await ds.query('ALTER TABLE system_logs_hidden RENAME TO system_logs');
    }
  });

  it('one request log line per request with method, path, status, duration and request id; no secrets', async () => {
    const before = t.logs.length;
    await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: admin.username, password: admin.password },
      headers: { 'x-request-id': 'log-line-check' },
    });
    const lines = t.logs
      .slice(before)
      .filter((l) => l.request_id === 'log-line-check' && l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/auth/login',
      status: 200,
      duration_ms: expect.any(Number),
    });
    expect(JSON.stringify(t.logs)).not.toContain(admin.password);
  });
});

describe.each(MODES)('general rate limit (%s)', (mode) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode, env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 TOO_MANY_REQUESTS with Retry-After past the limit, per client address', async () => {
    const get = (ip: string) => t.request({ method: 'GET', url: '/api/v1/system/health', remoteAddress: ip });
    for (let i = 0; i < 3; i++) expect((await get('10.9.9.1')).statusCode).toBe(200);
    const res = await get('10.9.9.1');
    expect(res.statusCode).toBe(429);
    expect(body(res).error.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['x-ratelimit-limit']).toBe('3');
    expect((await get('10.9.9.2')).statusCode).toBe(200);
  });
});
