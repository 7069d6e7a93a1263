/**
 * Version management without running freqtrade: installed versions are venv-shaped directories
 * whose `freqtrade --version` and `pip check` are small scripts, and the package index is a local
 * emulator of PyPI's JSON API. The real-freqtrade side (compatibility check, upgrade, rollback) is
 * in freqtrade-upgrade.e2e-spec.ts.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Events, type SystemAlertEvent } from '../../src/common/events/event-map.js';
import { FreqtradeInstallation } from '../../src/modules/freqtrade/entities/freqtrade-installation.entity.js';
import { FreqtradeVersionsService } from '../../src/modules/freqtrade/versions/freqtrade-versions.service.js';
import { startPackageIndex, type PackageIndexEmulator } from '../emulators/package-index/package-index.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

/** A directory shaped like a managed venv whose freqtrade and pip answer like the real ones. */
function fakeVenv(venv: string, version: string, pipCheck: 'clean' | 'broken' = 'clean'): string {
  mkdirSync(path.join(venv, 'bin'), { recursive: true });
  const bin = path.join(venv, 'bin', 'freqtrade');
  writeFileSync(
    bin,
    `#!/bin/sh\nprintf 'Operating System:\\tLinux\\nPython Version:\\t\\tPython 3.11.7\\nCCXT Version:\\t\\t4.5.2\\n\\nFreqtrade Version:\\tfreqtrade ${version}\\n'\n`,
  );
  writeFileSync(
    path.join(venv, 'bin', 'pip'),
    pipCheck === 'clean'
      ? '#!/bin/sh\necho "No broken requirements found."\n'
      : '#!/bin/sh\necho "ccxt 4.5.2 has requirement aiohttp<=3.10, but you have aiohttp 3.12.15."\nexit 1\n',
  );
  writeFileSync(path.join(venv, 'lib.bin'), Buffer.alloc(64 * 1024, 1));
  chmodSync(bin, 0o755);
  chmodSync(path.join(venv, 'bin', 'pip'), 0o755);
  return bin;
}

describe('FreqTrade versions API', () => {
  let index: PackageIndexEmulator;
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  let rows: Repository<FreqtradeInstallation>;
  const alerts: SystemAlertEvent[] = [];

  const api = (who: TestUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.request({
      method,
      url: `/api/v1${url}`,
      headers: bearer(who.accessToken),
      ...(payload ? { payload } : {}),
    });

  async function install(version: string, active: boolean, pip: 'clean' | 'broken' = 'clean') {
    const venv = path.join(t.dataDir, 'freqtrade', 'versions', version, 'venv');
    const bin = fakeVenv(venv, version, pip);
    return rows.save(
      rows.create({
        version,
        venvPath: venv,
        binPath: bin,
        pythonVersion: '3.11.7',
        ccxtVersion: '4.5.2',
        status: 'installed',
        isActive: active,
        installedAt: new Date(),
        activatedAt: active ? new Date() : null,
      }),
    );
  }

  beforeAll(async () => {
    index = await startPackageIndex([
      { version: '2023.12', uploaded: '2023-12-30T10:00:00.000000Z' },
      { version: '2025.7.dev0', uploaded: '2025-07-10T10:00:00.000000Z' },
      { version: '2025.8', uploaded: '2025-08-31T18:00:00.000000Z' },
    ]);
    t = await startTestApp({ mode: 'embedded', env: { FREQTRADE_INDEX_URL: index.jsonUrl() } });
    t.app.get(EventEmitter2).on(Events.SystemAlert, (e: SystemAlertEvent) => alerts.push(e));
    rows = t.app.get(getRepositoryToken(FreqtradeInstallation));
    admin = await createUser(t, { superuser: true });
    user = await createUser(t);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await index?.close();
  });

  it('says nothing is installed before anything is', async () => {
    const res = await api(user, 'GET', '/freqtrade/version');
    expect(res.statusCode).toBe(200);
    expect(body(res).data).toMatchObject({
      current_version: null,
      status: 'not_installed',
      dependency_status: 'unknown',
      strategy_compatibility: null,
    });
    const check = await api(user, 'POST', '/freqtrade/compatibility-check', { target_version: '2025.9' });
    expect(check.statusCode).toBe(503);
    expect(body(check).error.code).toBe('FREQTRADE_NOT_INSTALLED');
    const old = await api(user, 'POST', '/freqtrade/compatibility-check', { target_version: '2023.12' });
    expect(body(old).error.code).toBe('FREQTRADE_VERSION_UNSUPPORTED');
    const missing = await api(
      user,
      'GET',
      '/freqtrade/compatibility-checks/00000000-0000-4000-8000-000000000000',
    );
    expect(body(missing).error.code).toBe('COMPATIBILITY_CHECK_NOT_FOUND');
  });

  it('describes the active version: path, install date, idle, healthy dependencies', async () => {
    const row = await install('2025.8', true);
    const res = await api(user, 'GET', '/freqtrade/version');
    expect(body(res).data).toEqual({
      current_version: '2025.8',
      source: 'managed',
      installed_path: row.venvPath,
      install_date: row.installedAt!.toISOString(),
      status: 'idle',
      bots_running: 0,
      dependency_status: 'healthy',
      dependency_problem: null,
      last_check: null,
      latest_version: null,
      update_available: false,
      strategy_compatibility: null,
    });
  });

  it('lists installed versions when the index is down, and says so', async () => {
    index.down = true;
    await install('2025.6', false);
    const res = await api(user, 'GET', '/freqtrade/versions');
    expect(res.statusCode).toBe(200);
    const d = body(res).data;
    expect(d.index_reachable).toBe(false);
    expect(d.index_error).toMatch(/503/);
    expect(d.available).toEqual([]);
    expect(d.installed.map((v: { version: string; active: boolean }) => [v.version, v.active])).toEqual([
      ['2025.8', true],
      ['2025.6', false],
    ]);
    expect(d.installed[0]).toMatchObject({
      status: 'installed',
      python_version: '3.11.7',
      ccxt_version: '4.5.2',
    });
    expect(d.installed[0].size_bytes).toBeGreaterThan(64 * 1024);
    index.down = false;
  });

  it('lists the index releases newest first: pre-releases hidden unless asked, old ones unsupported', async () => {
    const d = body(await api(user, 'GET', '/freqtrade/versions')).data;
    expect(d.index_reachable).toBe(true);
    expect(d.latest_stable).toBe('2025.8');
    expect(d.available).toEqual([
      {
        version: '2025.8',
        released_at: '2025-08-31T18:00:00.000Z',
        prerelease: false,
        yanked: false,
        supported: true,
        installed: true,
      },
      {
        version: '2023.12',
        released_at: '2023-12-30T10:00:00.000Z',
        prerelease: false,
        yanked: false,
        supported: false,
        installed: false,
      },
    ]);
    const all = body(await api(user, 'GET', '/freqtrade/versions?include_prereleases=true')).data;
    expect(all.available.map((r: { version: string }) => r.version)).toEqual([
      '2025.8',
      '2025.7.dev0',
      '2023.12',
    ]);
    expect((await api(user, 'GET', '/freqtrade/versions?include_prereleases=maybe')).statusCode).toBe(400);
  });

  it('reads the index once an hour: a second listing is served from the cache', async () => {
    const before = index.requests.length;
    await api(user, 'GET', '/freqtrade/versions');
    expect(index.requests.length).toBe(before);
  });

  it('check-updates: up to date, then a new release raises one info alert, once', async () => {
    const svc = t.app.get(FreqtradeVersionsService);
    let res = await api(user, 'POST', '/freqtrade/check-updates');
    expect(res.statusCode).toBe(200);
    expect(body(res).data).toMatchObject({
      current_version: '2025.8',
      latest_version: '2025.8',
      update_available: false,
      index_reachable: true,
    });
    index.releases = [...index.releases, { version: '2025.9', uploaded: '2025-09-29T17:51:53.000000Z' }];
    // The announcement reaches us when the cached index expires; here, the cache is dropped.
    await clearIndexCache(t);
    res = await api(user, 'POST', '/freqtrade/check-updates');
    expect(body(res).data).toMatchObject({ latest_version: '2025.9', update_available: true });
    await api(user, 'POST', '/freqtrade/check-updates');
    // The daily job does the same (and is on by default).
    expect(await svc.scheduledCheck()).toMatchObject({ latest_version: '2025.9', update_available: true });
    const news = alerts.filter((a) => a.component === 'freqtrade' && a.level === 'info');
    expect(news.map((a) => a.message)).toEqual([
      'freqtrade 2025.9 is out (running 2025.8): run a compatibility check before upgrading',
    ]);
    const v = body(await api(user, 'GET', '/freqtrade/version')).data;
    expect(v).toMatchObject({ latest_version: '2025.9', update_available: true });
    expect(Date.parse(v.last_check)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('check-updates with the index down stores an unreachable check, no alert', async () => {
    await clearIndexCache(t);
    index.down = true;
    const d = body(await api(user, 'POST', '/freqtrade/check-updates')).data;
    index.down = false;
    expect(d).toMatchObject({ index_reachable: false, latest_version: null, update_available: false });
    expect(d.error).toMatch(/503/);
  });

  it('reports degraded dependencies when pip check in the venv is not clean', async () => {
    await rows.delete({ version: '2025.8' });
    await install('2025.8', true, 'broken');
    await clearIndexCache(t, 'freqtrade:deps:');
    const d = body(await api(user, 'GET', '/freqtrade/version')).data;
    expect(d.dependency_status).toBe('degraded');
    expect(d.dependency_problem).toMatch(/^pip check: ccxt 4\.5\.2 has requirement aiohttp/);
    expect(d.status).toBe('idle');
  });

  it('upgrade without a passed compatibility check is refused (409), and only superusers switch', async () => {
    let res = await api(admin, 'POST', '/freqtrade/upgrade', { target_version: '2025.9' });
    expect(res.statusCode).toBe(409);
    expect(body(res).error.code).toBe('COMPATIBILITY_CHECK_REQUIRED');
    res = await api(user, 'POST', '/freqtrade/upgrade', { target_version: '2025.9', force: true });
    expect(res.statusCode).toBe(403);
    res = await api(admin, 'POST', '/freqtrade/upgrade', { target_version: '2023.12', force: true });
    expect(body(res).error.code).toBe('FREQTRADE_VERSION_UNSUPPORTED');
    res = await api(admin, 'POST', '/freqtrade/upgrade', { target_version: 'latest' });
    expect(res.statusCode).toBe(400);
  });

  it('deletes an inactive version and its venv; the active one is in use (409)', async () => {
    let res = await api(admin, 'DELETE', '/freqtrade/versions/2025.8');
    expect(res.statusCode).toBe(409);
    expect(body(res).error.code).toBe('VERSION_IN_USE');
    expect((await api(user, 'DELETE', '/freqtrade/versions/2025.6')).statusCode).toBe(403);
    expect((await api(admin, 'DELETE', '/freqtrade/versions/2024.3')).statusCode).toBe(404);
    expect((await api(admin, 'DELETE', '/freqtrade/versions/2025.8.x')).statusCode).toBe(400);
    const dir = path.join(t.dataDir, 'freqtrade', 'versions', '2025.6');
    expect(existsSync(dir)).toBe(true);
    res = await api(admin, 'DELETE', '/freqtrade/versions/2025.6');
    expect(res.statusCode).toBe(200);
    expect(existsSync(dir)).toBe(false);
    const left = body(await api(user, 'GET', '/freqtrade/versions')).data.installed;
    expect(left.map((v: { version: string }) => v.version)).toEqual(['2025.8']);
  });

  it('prunes to FREQTRADE_KEEP_VERSIONS, keeping the active and the most recently used', async () => {
    const day = 86_400_000;
    for (const [v, ago] of [
      ['2025.3', 30],
      ['2025.5', 10],
      ['2025.4', 20],
    ] as const) {
      const r = await install(v, false);
      await rows.update({ id: r.id }, { activatedAt: new Date(Date.now() - ago * day) });
    }
    const pruned = await t.app.get(FreqtradeVersionsService).prune();
    expect(pruned).toEqual(['2025.3']);
    const left = (await rows.find()).map((r) => r.version).sort();
    expect(left).toEqual(['2025.4', '2025.5', '2025.8']);
    expect(existsSync(path.join(t.dataDir, 'freqtrade', 'versions', '2025.3'))).toBe(false);
  });
});

/** Drops cached entries (the index, dependency probes) so a changed emulator is read again. */
async function clearIndexCache(t: TestApp, prefix = 'freqtrade:index:'): Promise<void> {
  const { CACHE } = await import('../../src/infra/cache/cache.port.js');
  const cache = t.app.get<{ del(key: string): Promise<void> }>(CACHE);
  if (prefix === 'freqtrade:index:') await cache.del(`freqtrade:index:${t.config.freqtrade.indexUrl}`);
  else
    for (const r of await t.app.get(getRepositoryToken(FreqtradeInstallation)).find())
      await cache.del(
        `freqtrade:deps:${(r as FreqtradeInstallation).binPath}:${(r as FreqtradeInstallation).version}`,
      );
}
