import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDataDir } from '../support/databases.js';
import {
  api,
  killLeftovers,
  login,
  runCli,
  spawnServer,
  startServer,
  type ServerProcess,
} from '../support/server-process.js';

/**
 * The real process, embedded PGlite mode: what survives a clean stop and a kill -9, the data-dir
 * pid lock, the operator CLI, configuration errors and the generated first administrator.
 * The tests share one DATA_DIR (a copy of the migrated template, no users yet) and one running
 * server where they can, to keep the file fast; each starts the server itself when it needs one.
 */
const ADMIN_USERNAME = 'admin';
let adminPassword = 'admin-pass-123';

const countOf = (text: string, needle: string) => text.split(needle).length - 1;

describe('server process lifecycle (embedded)', () => {
  let data: { dir: string; remove(): void };
  const extraDirs: { dir: string; remove(): void }[] = [];
  let server: ServerProcess | undefined;

  const env = () => ({ DATA_DIR: data.dir, ADMIN_USERNAME, ADMIN_PASSWORD: 'admin-pass-123' });
  const pidFile = () => path.join(data.dir, 'pgdata.pid');

  /** The shared server, started if it is not running. */
  async function running(): Promise<ServerProcess> {
    if (!server?.running) server = await startServer(env());
    return server;
  }

  async function stop(): Promise<void> {
    if (!server?.running) return;
    server.kill('SIGTERM');
    const exit = await server.waitForExit(15_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
  }

  async function adminToken(base: string, password = adminPassword): Promise<string> {
    const res = await login(base, ADMIN_USERNAME, password);
    expect(res.status).toBe(200);
    return res.body.data.access_token;
  }

  beforeAll(() => {
    data = createDataDir({ withDatabase: true });
  });

  afterAll(async () => {
    await killLeftovers();
    data?.remove();
    for (const d of extraDirs) d.remove();
  }, 15_000);

  it('keeps data across a clean restart: SIGTERM exits 0 within 10 s and removes the pid file', async () => {
    const first = await running();
    const token = await adminToken(first.url);
    const put = await api(first.url, 'PUT', '/auth/me', { token, body: { full_name: 'Restart Survivor' } });
    expect(put.status).toBe(200);
    expect(put.body.data.full_name).toBe('Restart Survivor');
    expect(readFileSync(pidFile(), 'utf8').trim()).toBe(String(first.pid));

    expect(first.kill('SIGTERM')).toBe(true);
    const exit = await first.waitForExit(10_000);
    expect(exit.code).toBe(0);
    expect(exit.signal).toBeNull();
    expect(exit.ms).toBeLessThan(10_000);
    expect(existsSync(pidFile())).toBe(false);

    const second = await running();
    expect(second.pid).not.toBe(first.pid);
    const me = await api(second.url, 'GET', '/auth/me', { token: await adminToken(second.url) });
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ username: ADMIN_USERNAME, full_name: 'Restart Survivor' });
    // The JWT secret is kept in DATA_DIR and sessions in the database: a token from before still works.
    const old = await api(second.url, 'GET', '/auth/me', { token });
    expect(old.status).toBe(200);
  }, 40_000);

  it('keeps committed data across kill -9 and takes over the stale pid file', async () => {
    const victim = await running();
    const token = await adminToken(victim.url);
    const put = await api(victim.url, 'PUT', '/auth/me', { token, body: { full_name: 'Kill -9 Survivor' } });
    expect(put.status).toBe(200);

    victim.kill('SIGKILL');
    const exit = await victim.waitForExit(5000);
    expect(exit.signal).toBe('SIGKILL');
    // Nothing cleaned up: the pid file names a dead process.
    expect(readFileSync(pidFile(), 'utf8').trim()).toBe(String(victim.pid));

    const next = await running();
    expect(readFileSync(pidFile(), 'utf8').trim()).toBe(String(next.pid));
    const me = await api(next.url, 'GET', '/auth/me', { token: await adminToken(next.url) });
    expect(me.status).toBe(200);
    expect(me.body.data.full_name).toBe('Kill -9 Survivor');
  }, 30_000);

  it('refuses a second server on the same DATA_DIR while the first runs', async () => {
    const first = await running();
    const second = await spawnServer(env());
    const exit = await second.waitForExit(30_000);
    expect(exit.signal).toBeNull();
    expect(exit.code).not.toBe(0);
    expect(second.stderr).toContain(`in use by process ${first.pid}`);

    // The first one is untouched: still healthy, still the owner of the lock.
    expect(first.running).toBe(true);
    expect((await api(first.url, 'GET', '/system/health')).status).toBe(200);
    expect(readFileSync(pidFile(), 'utf8').trim()).toBe(String(first.pid));
  }, 30_000);

  it('CLI (server stopped): create-user and reset-password report what they did and revoke sessions', async () => {
    // A live admin session, to see reset-password revoke it.
    const before = await running();
    const session = await login(before.url, ADMIN_USERNAME, adminPassword);
    expect(session.status).toBe(200);
    await stop();

    const created = await runCli(
      ['create-user', '--username', 'carol', '--email', 'carol@example.com', '--password', 'oldpass123'],
      env(),
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^created user carol \(id \d+\)\n$/);

    const reset = await runCli(['reset-password', '--username', 'carol', '--password', 'newpass123'], env());
    expect(reset).toMatchObject({ code: 0, stderr: '' });
    expect(reset.stdout).toBe('password of carol reset; 0 session(s) revoked\n');
    expect(reset.stdout).not.toContain('newpass123');

    const resetAdmin = await runCli(
      ['reset-password', '--username', ADMIN_USERNAME, '--password', 'admin-new-456'],
      env(),
    );
    expect(resetAdmin.code).toBe(0);
    const revoked = /^password of admin reset; (\d+) session\(s\) revoked\n$/.exec(resetAdmin.stdout);
    expect(revoked).not.toBeNull();
    expect(Number(revoked![1])).toBeGreaterThanOrEqual(1);
    adminPassword = 'admin-new-456';

    const after = await running();
    expect((await login(after.url, 'carol', 'newpass123')).status).toBe(200);
    expect((await login(after.url, 'carol', 'oldpass123')).status).toBe(401);
    expect((await login(after.url, ADMIN_USERNAME, 'admin-pass-123')).status).toBe(401);
    expect((await login(after.url, ADMIN_USERNAME, adminPassword)).status).toBe(200);
    // The admin's session from before the reset is gone: neither its access nor its refresh token works.
    const me = await api(after.url, 'GET', '/auth/me', { token: session.body.data.access_token });
    expect(me.status).toBe(401);
    const refresh = await api(after.url, 'POST', '/auth/refresh', {
      body: { refresh_token: session.body.data.refresh_token },
    });
    expect(refresh.status).toBe(401);
  }, 40_000);

  it('bad configuration: exit 78, every bad variable named, secrets not echoed', async () => {
    const bad = await spawnServer({
      DATA_DIR: data.dir,
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      JWT_SECRET: 'short',
    });
    const exit = await bad.waitForExit(15_000);
    expect(exit).toMatchObject({ code: 78, signal: null });
    expect(bad.stderr).toMatch(/\bPORT\b/);
    expect(bad.stderr).toContain('DATABASE_URL');
    expect(bad.stderr).toContain('JWT_SECRET');
    expect(bad.stderr).not.toContain('short');
    expect(bad.stderr).not.toContain('mysql://x');
    expect(bad.stdout).not.toContain('listening');
  }, 15_000);

  it('first start without ADMIN_*: admin with a generated password in DATA_DIR/initial-admin-password (0600)', async () => {
    const fresh = createDataDir({ withDatabase: false });
    extraDirs.push(fresh);
    const first = await startServer({ DATA_DIR: fresh.dir });
    const file = path.join(fresh.dir, 'initial-admin-password');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(16);

    const ok = await login(first.url, 'admin', password);
    expect(ok.status).toBe(200);
    expect(
      (await api(first.url, 'GET', '/auth/me', { token: ok.body.data.access_token })).body.data,
    ).toMatchObject({ username: 'admin', is_superuser: true });
    expect(countOf(first.stdout, password)).toBe(1);
    expect(countOf(first.stdout, file)).toBe(1);
    expect(first.stderr).not.toContain(password);

    first.kill('SIGTERM');
    expect(await first.waitForExit(10_000)).toMatchObject({ code: 0, signal: null });

    // Shown once: a later start with users in place neither prints it nor makes a new admin.
    const again = await startServer({ DATA_DIR: fresh.dir });
    expect(again.stdout).not.toContain(password);
    expect((await login(again.url, 'admin', password)).status).toBe(200);
    again.kill('SIGTERM');
    expect(await again.waitForExit(10_000)).toMatchObject({ code: 0, signal: null });
  }, 40_000);
});
