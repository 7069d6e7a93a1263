import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ensureMonthlyPartitions, monthStart, partitionName } from '../../src/database/partitions.js';
import { SystemLogsService } from '../../src/modules/system/system-logs.service.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES, REDIS_URL } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

describe.each(MODES)('system (%s)', (mode) => {
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ mode, env: { RATE_LIMIT_MAX: '0' } });
    admin = await createUser(t, { superuser: true });
    user = await createUser(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /system/health is public and reports components and metrics', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/system/health' });
    expect(res.statusCode).toBe(200);
    const d = body(res).data;
    expect(d.status).toBe('healthy');
    expect(d.components.database).toBe('healthy');
    expect(d.components.redis).toBe(mode === 'postgres' && REDIS_URL ? 'healthy' : 'embedded');
    for (const k of ['cpu_percent', 'memory_percent', 'disk_percent']) {
      expect(d.metrics[k]).toBeGreaterThanOrEqual(0);
      expect(d.metrics[k]).toBeLessThanOrEqual(100);
    }
    expect(d.metrics.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  it('GET /system/logs is for superusers only', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/system/logs',
      headers: bearer(user.accessToken),
    });
    expect(res.statusCode).toBe(403);
    expect(body(res).error.code).toBe('FORBIDDEN');
  });

  it('the audit trail records login failure and success, logout and refresh-token reuse, with request ids', async () => {
    await t.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: user.username, password: 'wrong-one!' },
      headers: { 'x-request-id': `fail-${mode}` },
      remoteAddress: '10.7.0.1',
    });
    const fresh = body(
      await t.request({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: user.username, password: user.password },
      }),
    ).data;
    await t.request({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: fresh.refresh_token },
    });
    await t.request({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: fresh.refresh_token },
    });
    await t.request({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(user.accessToken) });

    const list = async (query: string) => {
      const res = await t.request({
        method: 'GET',
        url: `/api/v1/system/logs?${query}`,
        headers: bearer(admin.accessToken),
      });
      expect(res.statusCode).toBe(200);
      return body(res);
    };
    const failed = await list(`request_id=fail-${mode}`);
    expect(failed.data.logs).toHaveLength(1);
    expect(failed.data.logs[0]).toMatchObject({
      level: 'WARNING',
      event: 'auth.login.failed',
      module: 'auth',
      ip_address: '10.7.0.1',
      metadata: { username: user.username, reason: 'wrong_password' },
    });
    expect(JSON.stringify(failed)).not.toContain('wrong-one!');

    const mine = await list(`user_id=${user.id}&page_size=50`);
    const events = mine.data.logs.map((l: { event: string }) => l.event);
    expect(events).toEqual(
      expect.arrayContaining([
        'auth.login.succeeded',
        'auth.refresh.reuse_detected',
        'auth.logout',
        'auth.login.failed',
      ]),
    );
    expect(mine.pagination).toMatchObject({ page: 1, page_size: 50, total: mine.data.logs.length });
    // Newest first.
    const times = mine.data.logs.map((l: { created_at: string }) => Date.parse(l.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const warnings = await list(`user_id=${user.id}&level=WARNING`);
    expect(warnings.data.logs.every((l: { level: string }) => l.level === 'WARNING')).toBe(true);
    const paged = await list(`user_id=${user.id}&page=2&page_size=1`);
    expect(paged.data.logs).toHaveLength(1);
    expect(paged.pagination.total_pages).toBe(mine.pagination.total);
  });

  it('warning-and-above application log lines are stored too', async () => {
    new Logger('ProbeModule').warn(`probe warning ${mode}`);
    await t.app.get(SystemLogsService).flush();
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/system/logs?module=ProbeModule',
      headers: bearer(admin.accessToken),
    });
    expect(body(res).data.logs.map((l: { message: string }) => l.message)).toContain(`probe warning ${mode}`);
  });

  it('system_logs is partitioned by month: this month and the next three exist, rows land in their month', async () => {
    const ds = t.app.get(DataSource);
    const now = new Date();
    const parts: { name: string }[] = await ds.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'system_logs'::regclass`,
    );
    const names = parts.map((p) => p.name);
    for (let i = 0; i <= 3; i++) expect(names).toContain(partitionName('system_logs', monthStart(now, i)));
    expect(names).toContain('system_logs_default');
    const [row] = await ds.query(
      `SELECT tableoid::regclass::text AS part FROM system_logs WHERE event = 'auth.login.failed' LIMIT 1`,
    );
    expect(row.part).toBe(partitionName('system_logs', monthStart(now)));
  });

  it('creating a partition later moves the rows the default partition caught for that month', async () => {
    const ds = t.app.get(DataSource);
    const future = new Date(Date.UTC(new Date().getUTCFullYear() + 3, 5, 15));
    await ds.query(
      `INSERT INTO system_logs (level, message, created_at) VALUES ('WARNING', 'from the future', $1)`,
      [future],
    );
    const [before] = await ds.query(
      `SELECT tableoid::regclass::text AS part FROM system_logs WHERE message = 'from the future'`,
    );
    expect(before.part).toBe('system_logs_default');
    const created = await ensureMonthlyPartitions(ds.manager, 'system_logs', 'created_at', {
      now: future,
      monthsAhead: 0,
    });
    expect(created).toEqual([partitionName('system_logs', monthStart(future))]);
    const [after] = await ds.query(
      `SELECT tableoid::regclass::text AS part FROM system_logs WHERE message = 'from the future'`,
    );
    expect(after.part).toBe(partitionName('system_logs', monthStart(future)));
    // Idempotent.
    expect(
      await ensureMonthlyPartitions(ds.manager, 'system_logs', 'created_at', { now: future, monthsAhead: 0 }),
    ).toEqual([]);
  });
});
