import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Response } from 'light-my-request';
import { DataSource } from 'typeorm';
import {
  Events,
  type ProxyPoolChangedEvent,
  type SystemAlertEvent,
} from '../../src/common/events/event-map.js';
import { CLOCK, ManualClock } from '../../src/infra/clock/clock.port.js';
import { ProxySelector } from '../../src/infra/http/proxy-selector.js';
import { ProxyHealthScheduler } from '../../src/modules/proxies/proxy-health.scheduler.js';
import { startBinanceEmulator } from '../emulators/binance/server.mjs';
import { startHttpProxy, startSocks5Proxy, type TestProxy } from '../emulators/proxies/proxy-servers.js';
import { SAMPLE_PY, STRATEGIES_API, validConfig } from '../factories/strategy.factory.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const API = '/api/v1/proxies';
// The password every proxy library gets wrong somewhere (channels-reference.md §10a).
const creds = { username: 'u$er', password: 'p@ss:w/rd%' };
let seq = 0;
const uniqueName = (prefix = 'proxy') => `${prefix}-${process.pid}-${++seq}`;

describe.each(MODES)('proxies (%s)', (mode) => {
  let t: TestApp;
  let emu: Awaited<ReturnType<typeof startBinanceEmulator>>;
  let socksAuth: TestProxy;
  let socksOpen: TestProxy;
  let httpAuth: TestProxy;
  const clock = new ManualClock(Date.now());
  const alerts: SystemAlertEvent[] = [];
  const poolChanges: ProxyPoolChangedEvent[] = [];

  const req = (u: TestUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    t.request({
      method,
      url,
      headers: bearer(u.accessToken),
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });

  const expectError = (res: Response, status: number, code: string) => {
    expect({ status: res.statusCode, code: body(res).error?.code }).toEqual({ status, code });
    return body(res).error;
  };

  const pingUrl = () => `${emu.url}/api/v3/ping`;

  async function createProxy(u: TestUser, payload: Record<string, unknown>) {
    const res = await req(u, 'POST', API, {
      name: uniqueName(),
      host: '127.0.0.1',
      test_url: pingUrl(),
      ...payload,
    });
    if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
    return body(res).data;
  }

  const test = async (u: TestUser, id: number) => {
    const res = await req(u, 'POST', `${API}/${id}/test`);
    expect(res.statusCode).toBe(200);
    return body(res).data;
  };

  beforeAll(async () => {
    emu = await startBinanceEmulator({ markets: ['BTCUSDT'] });
    socksAuth = await startSocks5Proxy(creds);
    socksOpen = await startSocks5Proxy();
    httpAuth = await startHttpProxy(creds);
    t = await startTestApp({
      mode,
      // The background tick never fires during the test: ticks are called by hand on the manual clock.
      env: { RATE_LIMIT_MAX: '0', PROXY_HEALTH_TICK_SECONDS: '3600', PROXY_RETRY_DELAY_SECONDS: '5' },
      overrides: [{ provide: CLOCK, useValue: clock }],
    });
    const dir = path.join(t.dataDir, 'strategies');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'sample.py'), SAMPLE_PY);
    const events = t.app.get(EventEmitter2);
    events.on(Events.SystemAlert, (e: SystemAlertEvent) => alerts.push(e));
    events.on(Events.ProxyPoolChanged, (e: ProxyPoolChangedEvent) => poolChanges.push(e));
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([socksAuth?.close(), socksOpen?.close(), httpAuth?.close(), emu?.close()]);
  });

  describe('CRUD and secrets', () => {
    it('stores the password as ciphertext, shows only a mask, and keeps it when the mask comes back', async () => {
      const u = await createUser(t);
      const created = await createProxy(u, { type: 'socks5', port: socksAuth.port, ...creds });
      expect(created).toMatchObject({
        type: 'socks5',
        port: socksAuth.port,
        username: creds.username,
        password: '******',
        enabled: true,
        priority: 1,
        status: 'unknown',
        health_check: { interval_seconds: 3600, timeout_seconds: 10, retry_count: 3 },
        success_rate: null,
        in_use_by: [],
      });
      const [row] = await t.app
        .get(DataSource)
        .query('SELECT password_sealed FROM proxies WHERE id = $1', [created.id]);
      expect(row.password_sealed).toMatch(/^v1\./);
      expect(row.password_sealed).not.toContain('p@ss');
      expect(JSON.stringify(await req(u, 'GET', API).then(body))).not.toContain('p@ss');

      const put = await req(u, 'PUT', `${API}/${created.id}`, {
        name: uniqueName('renamed'),
        password: '******',
      });
      expect(put.statusCode).toBe(200);
      expect(body(put).data.password).toBe('******');
      // Still the right password: the authenticating proxy lets the test through.
      expect(await test(u, created.id)).toMatchObject({ connectivity: true, failure_stage: null });

      const cleared = await req(u, 'PUT', `${API}/${created.id}`, { password: null });
      expect(body(cleared).data.password).toBeNull();
      expect(body(cleared).data.status).toBe('unknown'); // new credentials: judged afresh

      // Partial update, yet a null on a required field is refused, not written.
      for (const field of ['name', 'host', 'port', 'type', 'enabled']) {
        const bad = await req(u, 'PUT', `${API}/${created.id}`, { [field]: null });
        expect(bad.statusCode).toBe(400);
      }
    });

    it('defaults test_url to Binance ping; validates input; names are unique per user; others see 404', async () => {
      const u = await createUser(t);
      const other = await createUser(t);
      const res = await req(u, 'POST', API, {
        name: 'p1',
        type: 'http',
        host: 'proxy.example.com',
        port: 8080,
      });
      expect(res.statusCode).toBe(201);
      expect(body(res).data.test_url).toBe('https://api.binance.com/api/v3/ping');
      expectError(
        await req(u, 'POST', API, { name: 'p1', type: 'http', host: 'h', port: 1 }),
        409,
        'PROXY_NAME_TAKEN',
      );
      expectError(
        await req(u, 'POST', API, {
          name: 'x',
          type: 'ftp',
          host: 'h',
          port: 1,
          health_check: { interval_seconds: 10 },
        }),
        400,
        'VALIDATION_ERROR',
      );
      expectError(
        await req(u, 'POST', API, { name: 'y', type: 'http', host: 'h', port: 1, password: 'p' }),
        400,
        'VALIDATION_ERROR',
      );
      expectError(await req(other, 'GET', `${API}/${body(res).data.id}`), 404, 'PROXY_NOT_FOUND');
      expectError(await req(other, 'POST', `${API}/${body(res).data.id}/test`), 404, 'PROXY_NOT_FOUND');
    });
  });

  describe('connectivity test (a real request through local proxies)', () => {
    it('passes through SOCKS5 with and without auth and through HTTP CONNECT, with latency and success rate', async () => {
      const u = await createUser(t);
      const socks = await createProxy(u, { type: 'socks5', port: socksAuth.port, ...creds });
      const open = await createProxy(u, { type: 'socks5', port: socksOpen.port });
      const http = await createProxy(u, { type: 'http', port: httpAuth.port, ...creds });
      for (const p of [socks, open, http]) {
        const r = await test(u, p.id);
        expect(r).toMatchObject({
          connectivity: true,
          success_rate: 100,
          error_message: null,
          http_status: 200,
        });
        expect(r.latency_ms).toEqual(expect.any(Number));
        expect(Date.parse(r.test_time)).not.toBeNaN();
      }
      expect(httpAuth.destinations).toContain('127.0.0.1'); // tunnelled with CONNECT
      const listed = body(await req(u, 'GET', API)).data.proxies;
      expect(listed.every((p: { status: string }) => p.status === 'healthy')).toBe(true);
    });

    it('names the failing stage: wrong password, proxy down, target down, timeout, HTTP status', async () => {
      const u = await createUser(t);
      const wrong = await createProxy(u, {
        type: 'socks5',
        port: socksAuth.port,
        username: creds.username,
        password: 'wrong-secret',
      });
      const wrongHttp = await createProxy(u, {
        type: 'http',
        port: httpAuth.port,
        username: creds.username,
        password: 'wrong-secret',
      });
      for (const p of [wrong, wrongHttp]) {
        const r = await test(u, p.id);
        expect(r).toMatchObject({ connectivity: false, failure_stage: 'proxy_auth', success_rate: 0 });
        expect(r.error_message).not.toContain('wrong-secret');
      }

      const dead = await startSocks5Proxy();
      const deadPort = dead.port;
      await dead.close();
      const down = await createProxy(u, { type: 'socks5', port: deadPort });
      expect(await test(u, down.id)).toMatchObject({ connectivity: false, failure_stage: 'proxy_connect' });

      const socks = await createProxy(u, { type: 'socks5', port: socksAuth.port, ...creds });
      const http = await createProxy(u, { type: 'http', port: httpAuth.port, ...creds });
      await emu.setDown(true);
      try {
        for (const p of [socks, http]) {
          const r = await test(u, p.id);
          expect(r.connectivity).toBe(false);
          expect(r.failure_stage).toBe('tunnel');
          expect(r.error_message).not.toContain(creds.password);
        }
      } finally {
        await emu.setDown(false);
      }

      const slow = await createProxy(u, {
        type: 'socks5',
        port: socksOpen.port,
        health_check: { timeout_seconds: 1 },
      });
      emu.failNext('/api/v3/ping', { delayMs: 2500, count: 1 });
      expect(await test(u, slow.id)).toMatchObject({ connectivity: false, failure_stage: 'timeout' });

      emu.failNext('/api/v3/ping', { status: 503, count: 1 });
      expect(await test(u, slow.id)).toMatchObject({
        connectivity: false,
        failure_stage: 'http_status',
        http_status: 503,
      });
      const [{ n }] = await t.app
        .get(DataSource)
        .query('SELECT count(*)::int AS n FROM proxy_checks WHERE proxy_id = $1', [slow.id]);
      expect(n).toBe(2);
    });
  });

  describe('health checks, failover and strategies', () => {
    it('fails over from a dead proxy within one interval, alerts, and comes back after two successes', async () => {
      const u = await createUser(t);
      const scheduler = t.app.get(ProxyHealthScheduler);
      const selector = t.app.get(ProxySelector);
      const primaryServer = await startSocks5Proxy(creds);
      const primaryPort = primaryServer.port;
      let primary: TestProxy | null = primaryServer;
      try {
        const a = await createProxy(u, {
          type: 'socks5',
          port: primaryPort,
          ...creds,
          priority: 1,
          health_check: { interval_seconds: 60, retry_count: 2 },
        });
        const b = await createProxy(u, {
          type: 'http',
          port: httpAuth.port,
          ...creds,
          priority: 2,
          health_check: { interval_seconds: 60 },
        });
        const strategy = await req(u, 'POST', STRATEGIES_API, {
          name: uniqueName('strat'),
          config: validConfig({ proxy_settings: { enabled: true, proxy_id: a.id } }),
        });
        expect(strategy.statusCode).toBe(201);
        const want = { ownerId: u.id, preferredId: a.id, usePool: true };
        // Ticks check every user's due proxies: keep the other tests' (dead, unresolvable) ones out.
        await t.app.get(DataSource).query('UPDATE proxies SET enabled = false WHERE owner_id <> $1', [u.id]);

        await scheduler.tick();
        const statusOf = async (id: number) => body(await req(u, 'GET', `${API}/${id}`)).data;
        expect((await statusOf(a.id)).status).toBe('healthy');
        expect((await statusOf(a.id)).in_use_by).toEqual([
          { type: 'strategy', id: body(strategy).data.id, name: body(strategy).data.name },
        ]);
        expect(await selector.choose(want)).toMatchObject({ endpoint: { id: a.id }, via: 'preferred' });

        await primary.close();
        primary = null;
        const alertsBefore = alerts.length;
        clock.advance(60_000);
        await scheduler.tick(); // first failure: still healthy, retried after 5 s
        expect((await statusOf(a.id)).status).toBe('healthy');
        clock.advance(5_000);
        await scheduler.tick(); // second failure: unhealthy, 65 s after the last good check
        const dead = await statusOf(a.id);
        expect(dead.status).toBe('unhealthy');
        expect(dead.last_error).toContain('proxy_connect');
        expect(alerts.slice(alertsBefore).filter((e) => e.ownerId === u.id)).toEqual([
          expect.objectContaining({
            level: 'warning',
            component: 'proxy',
            ownerId: u.id,
            message: expect.stringContaining('unhealthy'),
          }),
        ]);
        expect(poolChanges.some((e) => e.proxyId === a.id && e.reason.includes('unhealthy'))).toBe(true);
        expect(await selector.choose(want)).toMatchObject({ endpoint: { id: b.id }, via: 'pool' });

        primary = await startSocks5Proxy(creds, { port: primaryPort });
        clock.advance(60_000);
        await scheduler.tick(); // one success: not yet
        expect((await statusOf(a.id)).status).toBe('unhealthy');
        expect((await selector.choose(want)).endpoint?.id).toBe(b.id);
        clock.advance(5_000);
        await scheduler.tick(); // two in a row: healthy again
        expect((await statusOf(a.id)).status).toBe('healthy');
        expect(alerts.at(-1)).toMatchObject({
          level: 'info',
          message: expect.stringContaining('healthy again'),
        });
        expect(await selector.choose(want)).toMatchObject({ endpoint: { id: a.id }, via: 'preferred' });
        expect(JSON.stringify(alerts)).not.toContain(creds.password);
      } finally {
        await primary?.close();
      }
    });

    it('all proxies down: hold keeps to the proxy, direct goes without; nothing enabled under hold is a 503', async () => {
      const u = await createUser(t);
      const selector = t.app.get(ProxySelector);
      const gone = await startSocks5Proxy();
      const port = gone.port;
      await gone.close();
      const p = await createProxy(u, { type: 'socks5', port, health_check: { retry_count: 1 } });
      await test(u, p.id);
      expect(await selector.choose({ ownerId: u.id, preferredId: p.id })).toMatchObject({
        endpoint: { id: p.id },
        via: 'hold',
      });
      expect(await selector.choose({ ownerId: u.id, whenNoneHealthy: 'direct' })).toEqual({
        endpoint: null,
        via: 'direct',
      });
      await req(u, 'PUT', `${API}/${p.id}`, { enabled: false });
      // No enabled proxy left: a consumer that named none has no pool to protect and goes direct;
      // one that named this proxy is held (503), never silently sent direct.
      expect(await selector.choose({ ownerId: u.id })).toEqual({ endpoint: null, via: 'direct' });
      await expect(selector.choose({ ownerId: u.id, preferredId: p.id })).rejects.toMatchObject({
        code: 'PROXY_UNAVAILABLE',
      });
    });

    it("refuses a strategy naming a proxy that is not the user's; delete in use is 409 unless forced", async () => {
      const u = await createUser(t);
      const other = await createUser(t);
      const mine = await createProxy(u, { type: 'socks5', port: socksOpen.port });
      const theirs = await createProxy(other, { type: 'socks5', port: socksOpen.port });
      const named = (id: number) => ({
        name: uniqueName('strat'),
        config: validConfig({ proxy_settings: { enabled: true, proxy_id: id } }),
      });
      expect(
        expectError(await req(u, 'POST', STRATEGIES_API, named(theirs.id)), 404, 'PROXY_NOT_FOUND').details,
      ).toMatchObject({
        field: 'config.proxy_settings.proxy_id',
      });
      expectError(await req(u, 'POST', STRATEGIES_API, named(999_999)), 404, 'PROXY_NOT_FOUND');
      const s = body(await req(u, 'POST', STRATEGIES_API, named(mine.id))).data;
      expectError(
        await req(u, 'PUT', `${STRATEGIES_API}/${s.id}`, { config: named(theirs.id).config }),
        404,
        'PROXY_NOT_FOUND',
      );

      // A notification channel naming the proxy is a user too.
      const put = await req(u, 'PUT', '/api/v1/notifications/channels', {
        channels: [
          {
            type: 'webhook',
            config: { url: 'http://127.0.0.1:9/hooks/x', secret: `whsec_${'A'.repeat(43)}=` },
            proxy_id: mine.id,
          },
        ],
      });
      expect(put.statusCode).toBe(200);
      const channelId = body(put).data.channels[0].id as number;

      const inUse = expectError(await req(u, 'DELETE', `${API}/${mine.id}`), 409, 'PROXY_IN_USE');
      expect(inUse.details.in_use_by).toEqual(
        expect.arrayContaining([
          { type: 'strategy', id: s.id, name: s.name },
          { type: 'channel', id: channelId, name: 'webhook' },
        ]),
      );
      const forced = await req(u, 'DELETE', `${API}/${mine.id}?force=true`);
      expect(forced.statusCode).toBe(200);
      const channels = body(await req(u, 'GET', '/api/v1/notifications/channels')).data.channels;
      expect(channels[0].proxy_id).toBeNull();
      const after = body(await req(u, 'GET', `${STRATEGIES_API}/${s.id}`)).data;
      expect(after.config.proxy_settings).toEqual({ enabled: true });
      expect(after.version).toBe('v1.1');
      expectError(await req(u, 'GET', `${API}/${mine.id}`), 404, 'PROXY_NOT_FOUND');
    });

    it('components.proxy is degraded while a running strategy that needs a proxy has none healthy', async () => {
      const u = await createUser(t);
      const db = t.app.get(DataSource);
      const health = async () => body(await t.request({ method: 'GET', url: '/api/v1/system/health' })).data;
      const gone = await startSocks5Proxy();
      const port = gone.port;
      await gone.close();
      const p = await createProxy(u, { type: 'socks5', port, health_check: { retry_count: 1 } });
      await test(u, p.id);
      const s = body(
        await req(u, 'POST', STRATEGIES_API, {
          name: uniqueName('strat'),
          config: validConfig({ proxy_settings: { enabled: true, proxy_id: p.id } }),
        }),
      ).data;
      expect((await health()).components.proxy).toBe('healthy');
      // As the lifecycle would leave it while its bot runs (no freqtrade needed for this check).
      await db.query(`UPDATE strategies SET status = 'running' WHERE id = $1`, [s.id]);
      try {
        const h = await health();
        // The status is live; /system/health's details are cached for 30 s (spec §4.4).
        expect(h.components.proxy).toBe('degraded');
      } finally {
        await db.query(`UPDATE strategies SET status = 'stopped' WHERE id = $1`, [s.id]);
      }
      expect((await health()).components.proxy).toBe('healthy');
    });

    it('prunes checks older than the retention', async () => {
      const u = await createUser(t);
      const p = await createProxy(u, { type: 'socks5', port: socksOpen.port });
      const db = t.app.get(DataSource);
      const old = new Date(clock.now() - 31 * 86_400_000);
      await db.query(
        `INSERT INTO proxy_checks (proxy_id, checked_at, kind, success) VALUES ($1, $2, 'scheduled', true), ($1, $3, 'scheduled', true)`,
        [p.id, old, new Date(clock.now())],
      );
      expect(await t.app.get(ProxyHealthScheduler).prune()).toBeGreaterThanOrEqual(1);
      const [{ n }] = await db.query('SELECT count(*)::int AS n FROM proxy_checks WHERE proxy_id = $1', [
        p.id,
      ]);
      expect(n).toBe(1);
    });
  });
});
