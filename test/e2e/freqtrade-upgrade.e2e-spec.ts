/**
 * Version switches against real freqtrade 2025.8 and 2025.9 (both cached venvs, linked into the
 * app's data dir as its managed installations) and the Binance emulator: a compatibility check of
 * three strategies giving the three verdicts, an upgrade with a running bot whose signals continue
 * with no gap and no duplicate, a rollback, and an upgrade that fails on the target and is rolled
 * back by itself. Timings are printed (not asserted).
 */
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Events, type SystemAlertEvent } from '../../src/common/events/event-map.js';
import { FreqtradeInstallation } from '../../src/modules/freqtrade/entities/freqtrade-installation.entity.js';
import { FreqtradeRuntime } from '../../src/modules/freqtrade/freqtrade-runtime.service.js';
import { startBinanceEmulator } from '../emulators/binance/server.mjs';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { describeIfTwoFreqtrades, FREQTRADE_BIN, FREQTRADE_NEXT_BIN } from '../support/freqtrade.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const MINUTE = 60_000;
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/strategies');
const closeAt = (openTime: number) => (Math.floor(openTime / MINUTE) % 2 === 1 ? 106 : 98);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const venvOf = (bin: string) => path.dirname(path.dirname(bin));

describeIfTwoFreqtrades('FreqTrade upgrade and rollback (real freqtrade 2025.8 → 2025.9)', () => {
  let emu: Awaited<ReturnType<typeof startBinanceEmulator>>;
  let t: TestApp;
  let admin: TestUser;
  const alerts: SystemAlertEvent[] = [];
  const ids: Record<string, number> = {};

  const api = (method: 'GET' | 'POST' | 'DELETE', p: string, payload?: Record<string, unknown>) =>
    t.request({
      method,
      url: `/api/v1${p}`,
      headers: bearer(admin.accessToken),
      ...(payload ? { payload } : {}),
    });

  async function finished(taskId: string, ms = 300_000): Promise<Record<string, any>> {
    const end = Date.now() + ms;
    for (;;) {
      const task = body(await api('GET', `/tasks/${taskId}`)).data;
      if (['SUCCESS', 'FAILURE', 'REVOKED'].includes(task.status)) return task;
      if (Date.now() > end) throw new Error(`task ${taskId} still ${task.status}: ${task.progress_message}`);
      await sleep(500);
    }
  }

  async function create(name: string, cls: string): Promise<number> {
    const res = await api('POST', '/strategies', {
      name,
      config: {
        strategy_class: cls,
        strategy_file: `${cls}.py`,
        timeframe: '1m',
        pair_whitelist: ['BTC/USDT'],
        exchange: 'binance',
      },
    });
    expect(res.statusCode).toBe(201);
    return body(res).data.id as number;
  }

  const botVersion = (id: number) =>
    t.app.get(FreqtradeRuntime).bots.get(id)?.supervisor.bot?.freqtradeVersion ?? null;

  async function signalKeys(id: number): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      const d = body(
        await api('GET', `/signals?strategy_id=${id}&page_size=100${cursor ? `&cursor=${cursor}` : ''}`),
      ).data;
      out.push(
        ...(d.signals as { timestamp: string; kind: string }[]).map((s) => `${s.timestamp} ${s.kind}`),
      );
      cursor = d.next_cursor ?? undefined;
    } while (cursor);
    return out.sort();
  }

  beforeAll(async () => {
    emu = await startBinanceEmulator({
      markets: ['BTCUSDT'],
      series: [
        { symbol: 'BTCUSDT', interval: '1m', generate: (openTime: number) => ({ close: closeAt(openTime) }) },
      ],
    });
    t = await startTestApp({
      mode: 'embedded',
      env: {
        EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emu.url }),
        FREQTRADE_STOP_GRACE_SECONDS: '10',
        FREQTRADE_SWITCH_VERIFY_SECONDS: '90',
        FREQTRADE_INDEX_URL: 'http://127.0.0.1:9/pypi/freqtrade/json',
      },
    });
    t.app.get(EventEmitter2).on(Events.SystemAlert, (e: SystemAlertEvent) => alerts.push(e));
    admin = await createUser(t, { superuser: true });
    // Both cached venvs become this app's installations: 2025.8 installed and active; 2025.9 only
    // on disk, so the compatibility check "installs" it (the installer finds it finished).
    for (const [v, bin] of [
      ['2025.8', FREQTRADE_BIN!],
      ['2025.9', FREQTRADE_NEXT_BIN!],
    ] as const) {
      const dir = path.join(t.dataDir, 'freqtrade', 'versions', v);
      mkdirSync(dir, { recursive: true });
      symlinkSync(venvOf(bin), path.join(dir, 'venv'));
    }
    const rows = t.app.get<Repository<FreqtradeInstallation>>(getRepositoryToken(FreqtradeInstallation));
    const venv = path.join(t.dataDir, 'freqtrade', 'versions', '2025.8', 'venv');
    await rows.save(
      rows.create({
        version: '2025.8',
        venvPath: venv,
        binPath: path.join(venv, 'bin', 'freqtrade'),
        status: 'installed',
        isActive: true,
        installedAt: new Date(),
        activatedAt: new Date(),
      }),
    );
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    for (const f of ['LevelCross.py', 'VersionShift.py', 'BrokenSyntax.py', 'PrivateCandleCache.py'])
      copyFileSync(path.join(FIXTURES, f), path.join(t.dataDir, 'strategies', f));
    ids.level = await create('level-cross', 'LevelCross');
    ids.shift = await create('version-shift', 'VersionShift');
    ids.broken = await create('broken-syntax', 'BrokenSyntax');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await emu?.close();
  });

  it('compatibility check of three strategies: compatible, changed, incompatible', async () => {
    const started = Date.now();
    const res = await api('POST', '/freqtrade/compatibility-check', { target_version: '2025.9' });
    expect(res.statusCode).toBe(202);
    const task = await finished(body(res).data.id);
    process.stdout.write(
      `warm compatibility check of 3 strategies: ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect({ status: task.status, error: task.error }).toEqual({ status: 'SUCCESS', error: null });
    const check = body(await api('GET', `/freqtrade/compatibility-checks/${task.id}`)).data;
    expect(check).toMatchObject({
      base_version: '2025.8',
      target_version: '2025.9',
      status: 'completed',
      passed: false,
      total_strategies: 3,
      compatible_strategies: 1,
      changed_strategies: 1,
      incompatible_strategies: 1,
    });
    const by = Object.fromEntries(check.results.map((r: { strategy_id: number }) => [r.strategy_id, r]));
    expect(by[ids.level]).toMatchObject({ verdict: 'compatible', interface_version: 3, differences: [] });
    expect(by[ids.level].signals_target).toBeGreaterThan(100);
    expect(by[ids.level].signals_current).toBe(by[ids.level].signals_target);
    expect(by[ids.shift].verdict).toBe('changed');
    expect(by[ids.shift].differences.length).toBeGreaterThan(0);
    expect(by[ids.shift].differences[0]).toMatchObject({
      pair: 'BTC/USDT',
      current: ['exit_long'],
      target: [],
    });
    expect(by[ids.broken]).toMatchObject({ verdict: 'incompatible', loads_on_target: false });
    expect(by[ids.broken].error).toMatch(/BrokenSyntax\.py/);
    // 2025.9 is now installed (kept), not active.
    const versions = body(await api('GET', '/freqtrade/versions')).data;
    expect(versions.index_reachable).toBe(false);
    expect(
      versions.installed.map((v: { version: string; active: boolean }) => [v.version, v.active]),
    ).toEqual([
      ['2025.9', false],
      ['2025.8', true],
    ]);
    // The current version has no check of its own yet; after the upgrade this one describes 2025.9.
    expect(body(await api('GET', '/freqtrade/version')).data.strategy_compatibility).toBeNull();
  }, 400_000);

  it('refuses the upgrade while the check found an incompatible strategy', async () => {
    const res = await api('POST', '/freqtrade/upgrade', { target_version: '2025.9' });
    expect(res.statusCode).toBe(409);
    expect(body(res).error.code).toBe('COMPATIBILITY_CHECK_REQUIRED');
  });

  let before: string[] = [];

  it('upgrades with a running bot: back on 2025.9, healthy, signals continuous', async () => {
    expect((await api('POST', `/strategies/${ids.level}/start`)).statusCode).toBe(200);
    expect(botVersion(ids.level)).toBe('2025.8');
    // Let it capture its first signals on 2025.8.
    for (let end = Date.now() + 60_000; (await signalKeys(ids.level)).length < 5 && Date.now() < end;)
      await sleep(500);
    before = await signalKeys(ids.level);
    const started = Date.now();
    const res = await api('POST', '/freqtrade/upgrade', { target_version: '2025.9', force: true });
    expect(res.statusCode).toBe(202);
    expect(
      (await api('POST', '/freqtrade/upgrade', { target_version: '2025.9', force: true })).statusCode,
    ).toBe(409);
    const task = await finished(body(res).data.id);
    process.stdout.write(
      `upgrade with one running bot (task start → bot healthy): ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect({ status: task.status, error: task.error }).toEqual({ status: 'SUCCESS', error: null });
    expect(task.result).toMatchObject({ from: '2025.8', to: '2025.9', bots: 1 });
    expect(botVersion(ids.level)).toBe('2025.9');
    const v = body(await api('GET', '/freqtrade/version')).data;
    expect(v).toMatchObject({ current_version: '2025.9', status: 'running', bots_running: 1 });
    expect(v.strategy_compatibility).toMatchObject({ total_strategies: 3, incompatible_strategies: 1 });
    // Every closed candle from the first captured one to the last closed: one signal each, none twice.
    const lastClosed = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
    const first = Date.parse(before[0].split(' ')[0]);
    const expected: string[] = [];
    for (let open = first; open <= lastClosed; open += MINUTE)
      expected.push(`${new Date(open).toISOString()} ${closeAt(open) === 106 ? 'enter_long' : 'exit_long'}`);
    let got: string[] = [];
    for (let end = Date.now() + 40_000; Date.now() < end; await sleep(500)) {
      got = (await signalKeys(ids.level)).filter((k) => Date.parse(k.split(' ')[0]) <= lastClosed);
      if (got.length >= expected.length) break;
    }
    expect(got).toEqual(expected);
  }, 400_000);

  it('rolls back to the previous version on request', async () => {
    const res = await api('POST', '/freqtrade/rollback', {});
    expect(res.statusCode).toBe(202);
    const task = await finished(body(res).data.id);
    expect({ status: task.status, error: task.error }).toEqual({ status: 'SUCCESS', error: null });
    expect(task.result).toMatchObject({ from: '2025.9', to: '2025.8', bots: 1 });
    expect(botVersion(ids.level)).toBe('2025.8');
    expect(body(await api('GET', '/freqtrade/version')).data.current_version).toBe('2025.8');
  }, 300_000);

  it('an upgrade whose bot cannot start on the target is rolled back by itself, with an error alert', async () => {
    ids.privateCache = await create('private-candle-cache', 'PrivateCandleCache');
    expect((await api('POST', `/strategies/${ids.privateCache}/start`)).statusCode).toBe(200);
    const res = await api('POST', '/freqtrade/upgrade', { target_version: '2025.9', force: true });
    const task = await finished(body(res).data.id);
    expect(task.status).toBe('FAILURE');
    expect(task.error).toMatch(/rolled back to 2025\.8/);
    const alert = alerts.find((a) => a.level === 'error' && /rolled back to 2025\.8/.test(a.message));
    if (!/the bots are running on it again/.test(alert?.message ?? '')) {
      // What the bot said, to tell a slow machine from a real failure.
      const logs = body(await api('GET', `/strategies/${ids.privateCache}/logs?page_size=100`)).data;
      process.stdout.write(`${JSON.stringify(logs).slice(0, 20_000)}\n`);
    }
    expect(alert?.message).toMatch(/freqtrade switch to 2025\.9 failed/);
    expect(alert?.message).toMatch(/the bots are running on it again/);
    expect(task.error).toMatch(/AttributeError/);
    expect(body(await api('GET', '/freqtrade/version')).data.current_version).toBe('2025.8');
    expect(botVersion(ids.level)).toBe('2025.8');
    expect(botVersion(ids.privateCache)).toBe('2025.8');
    for (const id of [ids.level, ids.privateCache])
      expect(body(await api('GET', `/strategies/${id}`)).data.status).toBe('running');
  }, 400_000);

  it('deletes the inactive 2025.9 (its link, never the cached venv); the active one is in use', async () => {
    expect(body(await api('DELETE', '/freqtrade/versions/2025.8')).error.code).toBe('VERSION_IN_USE');
    expect((await api('DELETE', '/freqtrade/versions/2025.9')).statusCode).toBe(200);
    expect(existsSync(path.join(t.dataDir, 'freqtrade', 'versions', '2025.9'))).toBe(false);
    expect(existsSync(FREQTRADE_NEXT_BIN!)).toBe(true);
    for (const id of [ids.level, ids.privateCache])
      expect((await api('POST', `/strategies/${id}/stop`)).statusCode).toBe(200);
  }, 120_000);
});
