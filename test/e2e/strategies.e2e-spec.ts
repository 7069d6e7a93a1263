import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'light-my-request';
import {
  CONFIG_DEFAULTS as DEFAULTS,
  SAMPLE_PY,
  STRATEGIES_API as API,
  pySource,
  validConfig,
} from '../factories/strategy.factory.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let seq = 0;
const uniqueName = (prefix = 'strat') => `${prefix}-${process.pid}-${++seq}`;

describe.each(MODES)('strategies (%s)', (mode) => {
  let t: TestApp;
  let strategiesDir: string;
  let outsideDir: string;

  const req = (u: TestUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    t.request({
      method,
      url: url.startsWith('/') ? url : `${API}/${url}`,
      headers: bearer(u.accessToken),
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });

  /** Creates a valid strategy and returns its data (fails the test on anything but 201). */
  async function createStrategy(u: TestUser, payload: Record<string, unknown> = {}) {
    const res = await req(u, 'POST', API, { name: uniqueName(), config: validConfig(), ...payload });
    if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
    return body(res).data;
  }

  const expectError = (res: Response, status: number, code: string) => {
    expect({ status: res.statusCode, code: body(res).error?.code }).toEqual({ status, code });
    expect(body(res).success).toBe(false);
    return body(res).error;
  };

  const fieldsOf = (res: Response): string[] =>
    (body(res).error.details as { field: string }[]).map((d) => d.field);

  const totalOf = async (u: TestUser) => body(await req(u, 'GET', API)).pagination.total as number;

  beforeAll(async () => {
    t = await startTestApp({ mode, env: { RATE_LIMIT_MAX: '0' } });
    strategiesDir = path.join(t.dataDir, 'strategies');
    mkdirSync(strategiesDir, { recursive: true });
    writeFileSync(path.join(strategiesDir, 'sample.py'), SAMPLE_PY);
    writeFileSync(path.join(strategiesDir, 'other.py'), pySource('OtherStrategy'));
    writeFileSync(path.join(strategiesDir, 'notes.txt'), pySource('TextStrategy'));
    outsideDir = mkdtempSync(path.join(os.tmpdir(), 'btcw-outside-'));
    writeFileSync(path.join(outsideDir, 'outside.py'), pySource('SampleStrategy'));
    symlinkSync(path.join(outsideDir, 'outside.py'), path.join(strategiesDir, 'escape.py'));
  });
  afterAll(async () => {
    await t?.close();
    if (outsideDir) rmSync(outsideDir, { recursive: true, force: true });
  });

  describe('create', () => {
    it('creates v1.0 with the defaults filled into the stored config (201, envelope)', async () => {
      const u = await createUser(t);
      const name = uniqueName('create');
      const res = await req(u, 'POST', API, {
        name,
        description: 'RSI crossover',
        config: validConfig({ indicator_columns: ['rsi'] }),
        parameters: { buy_rsi: 30 },
        tags: ['btc', 'rsi'],
        category: 'momentum',
      });
      expect(res.statusCode).toBe(201);
      const b = body(res);
      expect(b).toMatchObject({ success: true, request_id: res.headers['x-request-id'] });
      expect(b.data).toMatchObject({
        id: expect.any(Number),
        name,
        description: 'RSI crossover',
        type: 'signal_monitor',
        status: 'stopped',
        version: 'v1.0',
        parameters: { buy_rsi: 30 },
        tags: ['btc', 'rsi'],
        category: 'momentum',
        parent_strategy_id: null,
        health_score: null,
        uptime_seconds: 0,
        last_run_at: null,
        last_error: null,
        performance: null,
        revision: expect.any(Number),
      });
      expect(b.data.config).toEqual({ ...DEFAULTS, ...validConfig({ indicator_columns: ['rsi'] }) });
      const got = await req(u, 'GET', String(b.data.id));
      expect(got.statusCode).toBe(200);
      expect(body(got).data).toEqual(b.data);
      const versions = body(await req(u, 'GET', `${b.data.id}/versions`)).data.versions;
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({
        version: 'v1.0',
        is_current: true,
        has_source: false,
        source_hash: sha256(SAMPLE_PY),
        created_by: u.id,
      });
      expect(versions[0].config).toEqual(b.data.config);
    });

    it('keeps given values over the defaults, and honours an explicit first version and type', async () => {
      const u = await createUser(t);
      const config = validConfig({
        exchange: 'kraken',
        signal_thresholds: { strong_threshold: 90, medium_threshold: 60, weak_threshold: 10 },
        default_strength: 70,
      });
      const data = await createStrategy(u, { config, version: 'v2.0', type: 'trade_execution' });
      expect(data.version).toBe('v2.0');
      expect(data.type).toBe('trade_execution');
      expect(data.config).toEqual({ ...DEFAULTS, ...config });
      const bad = await req(u, 'POST', API, { name: uniqueName(), config: validConfig(), version: '2.0' });
      expect(fieldsOf(bad)).toContain('version');
      expectError(bad, 400, 'VALIDATION_ERROR');
    });

    it('requires the name, strategy_class, timeframe, pair_whitelist and strategy_file for a full create', async () => {
      const u = await createUser(t);
      const noName = await req(u, 'POST', API, { config: validConfig() });
      expectError(noName, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(noName)).toContain('name');
      const longName = await req(u, 'POST', API, { name: 'x'.repeat(101), config: validConfig() });
      expectError(longName, 400, 'VALIDATION_ERROR');
      const empty = await req(u, 'POST', API, { name: uniqueName() });
      expectError(empty, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(empty)).toEqual(
        expect.arrayContaining([
          'config.strategy_class',
          'config.timeframe',
          'config.pair_whitelist',
          'config.strategy_file',
        ]),
      );
      for (const key of ['strategy_class', 'timeframe', 'pair_whitelist', 'strategy_file']) {
        const config: Record<string, unknown> = validConfig();
        delete config[key];
        const res = await req(u, 'POST', API, { name: uniqueName(), config });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toEqual([`config.${key}`]);
      }
      expect(await totalOf(u)).toBe(0);
    });

    it('an uploaded source replaces strategy_file; its class must be defined in it', async () => {
      const u = await createUser(t);
      const { strategy_file: _file, ...config } = validConfig({ strategy_class: 'Uploaded' });
      const data = await createStrategy(u, { config, source: pySource('Uploaded') });
      expect(data.version).toBe('v1.0');
      const src = body(await req(u, 'GET', `${data.id}/source`)).data;
      expect(src).toEqual({
        version: 'v1.0',
        origin: 'uploaded',
        strategy_file: null,
        source: pySource('Uploaded'),
        source_hash: sha256(pySource('Uploaded')),
      });
      const wrong = await req(u, 'POST', API, { name: uniqueName(), config, source: pySource('Other') });
      const err = expectError(wrong, 400, 'STRATEGY_CLASS_NOT_FOUND');
      expect(err.details).toMatchObject({ strategy_class: 'Uploaded', defined: ['Other'] });
    });

    it('thresholds must be strong > medium > weak', async () => {
      const u = await createUser(t);
      for (const signal_thresholds of [
        { strong_threshold: 50, medium_threshold: 80, weak_threshold: 20 },
        { strong_threshold: 80, medium_threshold: 80, weak_threshold: 20 },
        { strong_threshold: 80, medium_threshold: 10, weak_threshold: 20 },
      ]) {
        const res = await req(u, 'POST', API, {
          name: uniqueName(),
          config: validConfig({ signal_thresholds }),
        });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toEqual(['config.signal_thresholds']);
      }
      const outOfRange = await req(u, 'POST', API, {
        name: uniqueName(),
        config: validConfig({
          signal_thresholds: { strong_threshold: 101, medium_threshold: 50, weak_threshold: 20 },
        }),
      });
      expectError(outOfRange, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(outOfRange)).toEqual(['config.signal_thresholds.strong_threshold']);
      expect(await totalOf(u)).toBe(0);
    });

    it('pairs must share one quote currency (400 MIXED_QUOTE_CURRENCIES)', async () => {
      const u = await createUser(t);
      const res = await req(u, 'POST', API, {
        name: uniqueName(),
        config: validConfig({ pair_whitelist: ['BTC/USDT', 'ETH/BTC'] }),
      });
      const err = expectError(res, 400, 'MIXED_QUOTE_CURRENCIES');
      expect([...(err.details.quotes as string[])].sort()).toEqual(['BTC', 'USDT']);
      expect(await totalOf(u)).toBe(0);
    });

    it('pairs must look like BASE/QUOTE, unique and non-empty', async () => {
      const u = await createUser(t);
      for (const pair_whitelist of [['btc/usdt'], ['BTCUSDT'], ['BTC-USDT'], [], ['BTC/USDT', 'BTC/USDT']]) {
        const res = await req(u, 'POST', API, {
          name: uniqueName(),
          config: validConfig({ pair_whitelist }),
        });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res).every((f) => f === 'config.pair_whitelist')).toBe(true);
      }
      expect(await totalOf(u)).toBe(0);
    });

    it('the exchange must be a ccxt id', async () => {
      const u = await createUser(t);
      for (const exchange of ['nosuchexchange', 'Binance!']) {
        const res = await req(u, 'POST', API, { name: uniqueName(), config: validConfig({ exchange }) });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toEqual(['config.exchange']);
      }
      expect((await createStrategy(u, { config: validConfig({ exchange: 'okx' }) })).config.exchange).toBe(
        'okx',
      );
    });

    it('unknown keys, a bad timeframe and wrong types are 400 VALIDATION_ERROR', async () => {
      const u = await createUser(t);
      const cases: [Record<string, unknown>, string][] = [
        [{ config: validConfig({ max_open_trades: 3 }) }, 'config.max_open_trades'],
        [{ config: validConfig({ timeframe: '7m' }) }, 'config.timeframe'],
        [{ config: validConfig({ default_strength: 'high' }) }, 'config.default_strength'],
        [{ config: validConfig({ strategy_class: 'not-a-class' }) }, 'config.strategy_class'],
        [{ config: validConfig(), owner_id: 1 }, 'owner_id'],
        [{ config: validConfig(), type: 'arbitrage' }, 'type'],
        [{ config: validConfig(), tags: 'btc' }, 'tags'],
        [{ config: validConfig(), parameters: 'x' }, 'parameters'],
        [{ config: 'sample.py' }, 'config'],
      ];
      for (const [extra, field] of cases) {
        const res = await req(u, 'POST', API, { name: uniqueName(), ...extra });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toContain(field);
      }
      expect(await totalOf(u)).toBe(0);
    });

    it('strategy_file must stay inside STRATEGIES_DIR and be a .py file', async () => {
      const u = await createUser(t);
      const invalidFiles = [
        '../sample.py',
        'sub/../../sample.py',
        path.join(outsideDir, 'outside.py'),
        path.join(strategiesDir, 'sample.py'),
        'escape.py',
        'notes.txt',
        'sample',
      ];
      for (const strategy_file of invalidFiles) {
        const res = await req(u, 'POST', API, { name: uniqueName(), config: validConfig({ strategy_file }) });
        const err = expectError(res, 400, 'VALIDATION_ERROR');
        expect(err.details).toEqual([{ field: 'config.strategy_file', message: expect.any(String) }]);
      }
      expect(await totalOf(u)).toBe(0);
    });

    it('a missing file is STRATEGY_FILE_NOT_FOUND; a class not in the file is STRATEGY_CLASS_NOT_FOUND', async () => {
      const u = await createUser(t);
      const missing = await req(u, 'POST', API, {
        name: uniqueName(),
        config: validConfig({ strategy_file: 'missing.py' }),
      });
      expectError(missing, 400, 'STRATEGY_FILE_NOT_FOUND');
      const wrongClass = await req(u, 'POST', API, {
        name: uniqueName(),
        config: validConfig({ strategy_class: 'OtherStrategy' }),
      });
      const err = expectError(wrongClass, 400, 'STRATEGY_CLASS_NOT_FOUND');
      expect(err.details).toMatchObject({ strategy_class: 'OtherStrategy', defined: ['SampleStrategy'] });
      expect(await totalOf(u)).toBe(0);
      // A refused create left nothing behind: the name is still free.
      const name = uniqueName();
      await req(u, 'POST', API, { name, config: validConfig({ strategy_file: 'missing.py' }) });
      expect((await createStrategy(u, { name })).name).toBe(name);
    });

    it('a duplicate name is 409 STRATEGY_NAME_TAKEN for the same owner only', async () => {
      const a = await createUser(t);
      const b = await createUser(t);
      const name = uniqueName('dup');
      await createStrategy(a, { name });
      const again = await req(a, 'POST', API, { name, config: validConfig() });
      expectError(again, 409, 'STRATEGY_NAME_TAKEN');
      const asDraft = await req(a, 'POST', API, { name, is_draft: true });
      expectError(asDraft, 409, 'STRATEGY_NAME_TAKEN');
      expect(await totalOf(a)).toBe(1);
      expect((await createStrategy(b, { name })).name).toBe(name);
    });
  });

  describe('get / update / delete', () => {
    it('bad ids are 400, missing ids are 404 STRATEGY_NOT_FOUND', async () => {
      const u = await createUser(t);
      for (const id of ['abc', '99999999999', '0', '-1', '1.5']) {
        for (const method of ['GET', 'PUT', 'DELETE'] as const) {
          const res = await req(u, method, id, method === 'PUT' ? { description: 'x' } : undefined);
          const err = expectError(res, 400, 'VALIDATION_ERROR');
          expect(err.details).toEqual([{ field: 'id', message: expect.any(String) }]);
        }
      }
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const res = await req(u, method, '2147483647', method === 'PUT' ? { description: 'x' } : undefined);
        expectError(res, 404, 'STRATEGY_NOT_FOUND');
      }
    });

    it('descriptive changes update in place without a new version', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const name = uniqueName('renamed');
      const res = await req(u, 'PUT', String(s.id), {
        name,
        description: 'new description',
        tags: ['a'],
        category: 'trend',
      });
      expect(res.statusCode).toBe(200);
      expect(body(res).data).toMatchObject({
        name,
        description: 'new description',
        tags: ['a'],
        category: 'trend',
        version: 'v1.0',
        revision: s.revision + 1,
      });
      expect(body(res).data.config).toEqual(s.config);
      expect(body(await req(u, 'GET', `${s.id}/versions`)).data.versions).toHaveLength(1);
      expect(body(await req(u, 'GET', `${s.id}/versions`)).data.versions).toHaveLength(1);
    });

    it('sending back the same config and parameters (in any key order) is not a change', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u, { parameters: { zeta: 1, alpha: 2 } });
      const read = body(await req(u, 'GET', String(s.id))).data;
      // Exactly as GET returned them: no new version.
      const asRead = await req(u, 'PUT', String(s.id), { config: read.config, parameters: read.parameters });
      expect(asRead.statusCode).toBe(200);
      expect(body(asRead).data.version).toBe('v1.0');
      // The same objects with their keys in another order (as the create response had them) are no change either.
      const reversed = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).reverse());
      const reordered = await req(u, 'PUT', String(s.id), {
        config: reversed(read.config),
        parameters: { zeta: 1, alpha: 2 },
      });
      expect(reordered.statusCode).toBe(200);
      expect(body(reordered).data.version).toBe('v1.0');
      expect(body(await req(u, 'GET', `${s.id}/versions`)).data.versions).toHaveLength(1);
    });

    it('a config change creates the next version; the config is replaced as a whole', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u, { config: validConfig({ indicator_columns: ['rsi'] }) });
      const res = await req(u, 'PUT', String(s.id), {
        config: validConfig({ timeframe: '1h' }),
        changelog: 'hourly',
      });
      expect(res.statusCode).toBe(200);
      const data = body(res).data;
      expect(data.version).toBe('v1.1');
      expect(data.config).toEqual({ ...DEFAULTS, ...validConfig({ timeframe: '1h' }) });
      expect(data.config).not.toHaveProperty('indicator_columns');
      expect(data.revision).toBeGreaterThan(s.revision);
      const v = body(await req(u, 'GET', `${s.id}/versions/v1.1`)).data;
      expect(v).toMatchObject({ version: 'v1.1', is_current: true, changelog: 'hourly', created_by: u.id });
      expect(v.config).toEqual(data.config);
      // Parameters alone make a version too.
      const params = await req(u, 'PUT', String(s.id), { parameters: { buy_rsi: 25 } });
      expect(body(params).data).toMatchObject({ version: 'v1.2', parameters: { buy_rsi: 25 } });
      expect(body(await req(u, 'GET', `${s.id}/versions/v1.2`)).data.changelog).toBe('Configuration updated');
    });

    it('an invalid config in an update changes nothing', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const attempts: [Record<string, unknown>, number, string][] = [
        [{ config: validConfig({ pair_whitelist: ['BTC/USDT', 'ETH/EUR'] }) }, 400, 'MIXED_QUOTE_CURRENCIES'],
        [{ config: validConfig({ strategy_file: '../sample.py' }) }, 400, 'VALIDATION_ERROR'],
        [{ config: validConfig({ strategy_file: 'gone.py' }) }, 400, 'STRATEGY_FILE_NOT_FOUND'],
        [{ config: validConfig({ strategy_class: 'OtherStrategy' }) }, 400, 'STRATEGY_CLASS_NOT_FOUND'],
        [{ config: validConfig({ exchange: 'nosuchexchange' }) }, 400, 'VALIDATION_ERROR'],
        [{ config: { timeframe: '1h' } }, 400, 'VALIDATION_ERROR'],
        [{ config: validConfig({ extra_key: 1 }) }, 400, 'VALIDATION_ERROR'],
        [{ description: 'x', status: 'running' }, 400, 'VALIDATION_ERROR'],
      ];
      for (const [payload, status, code] of attempts) {
        expectError(await req(u, 'PUT', String(s.id), { ...payload, description: 'x' }), status, code);
      }
      const after = body(await req(u, 'GET', String(s.id))).data;
      expect(after).toEqual(s);
      expect(body(await req(u, 'GET', `${s.id}/versions`)).data.versions).toHaveLength(1);
    });

    it('null for a required field is 400, not a server error; null clears the optional ones', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u, { description: 'd', category: 'c' });
      const outcomes: Record<string, unknown>[] = [];
      for (const field of ['name', 'tags']) {
        const res = await req(u, 'PUT', String(s.id), { [field]: null });
        outcomes.push({ field, status: res.statusCode, code: body(res).error?.code });
      }
      expect(outcomes).toEqual([
        { field: 'name', status: 400, code: 'VALIDATION_ERROR' },
        { field: 'tags', status: 400, code: 'VALIDATION_ERROR' },
      ]);
      expect(body(await req(u, 'GET', String(s.id))).data).toEqual(s);
      const cleared = await req(u, 'PUT', String(s.id), { description: null, category: null });
      expect(body(cleared).data).toMatchObject({ description: null, category: null, version: 'v1.0' });
    });

    it('renaming onto another strategy of yours is 409 STRATEGY_NAME_TAKEN', async () => {
      const u = await createUser(t);
      const first = await createStrategy(u);
      const second = await createStrategy(u);
      expectError(await req(u, 'PUT', String(second.id), { name: first.name }), 409, 'STRATEGY_NAME_TAKEN');
      expectError(
        await req(u, 'PUT', String(second.id), {
          name: first.name,
          config: validConfig({ timeframe: '4h' }),
        }),
        409,
        'STRATEGY_NAME_TAKEN',
      );
      const after = body(await req(u, 'GET', String(second.id))).data;
      expect(after).toMatchObject({ name: second.name, version: 'v1.0' });
    });

    it('optimistic concurrency: a stale revision is 409 STRATEGY_CONFLICT and nothing is written', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const ok = await req(u, 'PUT', String(s.id), { description: 'first', revision: s.revision });
      expect(ok.statusCode).toBe(200);
      const r2 = body(ok).data.revision as number;
      expect(r2).toBe(s.revision + 1);
      const stale = await req(u, 'PUT', String(s.id), { description: 'second', revision: s.revision });
      const err = expectError(stale, 409, 'STRATEGY_CONFLICT');
      expect(err.details).toEqual({ expected_revision: s.revision, current_revision: r2 });
      const staleConfig = await req(u, 'PUT', String(s.id), {
        config: validConfig({ timeframe: '1d' }),
        revision: s.revision,
      });
      expectError(staleConfig, 409, 'STRATEGY_CONFLICT');
      const after = body(await req(u, 'GET', String(s.id))).data;
      expect(after).toMatchObject({ description: 'first', version: 'v1.0', revision: r2 });
      expect(body(await req(u, 'GET', `${s.id}/versions`)).data.versions).toHaveLength(1);
      // The current revision is accepted, for a versioned change too, and the response carries the new one.
      const fresh = await req(u, 'PUT', String(s.id), {
        config: validConfig({ timeframe: '1d' }),
        revision: r2,
      });
      expect(body(fresh).data).toMatchObject({ version: 'v1.1' });
      const r3 = body(fresh).data.revision as number;
      expect(r3).toBeGreaterThan(r2);
      expect(body(await req(u, 'GET', String(s.id))).data.revision).toBe(r3);
      const next = await req(u, 'PUT', String(s.id), { description: 'third', revision: r3 });
      expect(next.statusCode).toBe(200);
      expectError(await req(u, 'PUT', String(s.id), { revision: 0 }), 400, 'VALIDATION_ERROR');
    });

    it('an explicit version is used; an existing one is 409 VERSION_EXISTS', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const v2 = await req(u, 'PUT', String(s.id), {
        config: validConfig({ timeframe: '15m' }),
        version: 'v2.0',
      });
      expect(body(v2).data.version).toBe('v2.0');
      const next = await req(u, 'PUT', String(s.id), { config: validConfig({ timeframe: '30m' }) });
      expect(body(next).data.version).toBe('v2.1');
      const taken = await req(u, 'PUT', String(s.id), {
        config: validConfig({ timeframe: '1h' }),
        version: 'v1.0',
      });
      expectError(taken, 409, 'VERSION_EXISTS');
      expect(body(await req(u, 'GET', String(s.id))).data).toMatchObject({ version: 'v2.1' });
      expect(body(await req(u, 'GET', String(s.id))).data.config.timeframe).toBe('30m');
    });

    it('delete removes the strategy and its history; a second delete is 404', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const res = await req(u, 'DELETE', String(s.id));
      expect(res.statusCode).toBe(200);
      expect(body(res)).toMatchObject({ success: true, data: null });
      expectError(await req(u, 'GET', String(s.id)), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'GET', `${s.id}/versions`), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'DELETE', String(s.id)), 404, 'STRATEGY_NOT_FOUND');
      // The name is free again.
      expect((await createStrategy(u, { name: s.name })).name).toBe(s.name);
    });
  });

  describe('versions and restore', () => {
    it('lists versions newest first with is_current; restore v1.0 after an update makes v1.2 equal to v1.0', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u, { parameters: { buy_rsi: 30 } });
      await req(u, 'PUT', String(s.id), {
        config: validConfig({ timeframe: '4h', pair_whitelist: ['SOL/USDT'] }),
        parameters: { buy_rsi: 40 },
      });
      const list = body(await req(u, 'GET', `${s.id}/versions`)).data.versions;
      expect(list.map((v: { version: string; is_current: boolean }) => [v.version, v.is_current])).toEqual([
        ['v1.1', true],
        ['v1.0', false],
      ]);
      const v10 = body(await req(u, 'GET', `${s.id}/versions/v1.0`)).data;
      expect(v10).toMatchObject({ version: 'v1.0', is_current: false, parameters: { buy_rsi: 30 } });

      const restored = await req(u, 'POST', `${s.id}/versions/v1.0/restore`);
      expect(restored.statusCode).toBe(200);
      const data = body(restored).data;
      expect(data.version).toBe('v1.2');
      expect(data.config).toEqual(v10.config);
      expect(data.parameters).toEqual({ buy_rsi: 30 });
      const v12 = body(await req(u, 'GET', `${s.id}/versions/v1.2`)).data;
      expect(v12).toMatchObject({
        is_current: true,
        changelog: 'Restored v1.0',
        parameters: { buy_rsi: 30 },
      });
      expect(v12.config).toEqual(v10.config);
      expect(v12.source_hash).toBe(v10.source_hash);
      const after = body(await req(u, 'GET', `${s.id}/versions`)).data.versions;
      expect(after.map((v: { version: string }) => v.version)).toEqual(['v1.2', 'v1.1', 'v1.0']);
      expect(after.filter((v: { is_current: boolean }) => v.is_current)).toHaveLength(1);
    });

    it('unknown versions are 404 VERSION_NOT_FOUND, malformed ones 400', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      expectError(await req(u, 'GET', `${s.id}/versions/v9.9`), 404, 'VERSION_NOT_FOUND');
      expectError(await req(u, 'POST', `${s.id}/versions/v9.9/restore`), 404, 'VERSION_NOT_FOUND');
      expectError(await req(u, 'GET', `${s.id}/versions/latest`), 400, 'VALIDATION_ERROR');
      expectError(await req(u, 'POST', `${s.id}/versions/1.0/restore`), 400, 'VALIDATION_ERROR');
      expectError(await req(u, 'GET', `abc/versions/v1.0`), 400, 'VALIDATION_ERROR');
      expectError(await req(u, 'GET', `2147483647/versions`), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'GET', `2147483647/versions/v1.0`), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'POST', `2147483647/versions/v1.0/restore`), 404, 'STRATEGY_NOT_FOUND');
      expect(body(await req(u, 'GET', String(s.id))).data.version).toBe('v1.0');
    });
  });

  describe('clone', () => {
    it('copies as "<name> (copy)", then "(copy 2)", with a parent and a history of its own', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u, {
        description: 'original',
        parameters: { p: 1 },
        tags: ['x'],
        category: 'cat',
      });
      await req(u, 'PUT', String(s.id), { config: validConfig({ timeframe: '1h' }) });
      const original = body(await req(u, 'GET', String(s.id))).data;
      const res = await req(u, 'POST', `${s.id}/clone`);
      expect(res.statusCode).toBe(201);
      const copy = body(res).data;
      expect(copy).toMatchObject({
        name: `${s.name} (copy)`,
        description: 'original',
        parameters: { p: 1 },
        tags: ['x'],
        category: 'cat',
        status: 'stopped',
        version: 'v1.0',
        parent_strategy_id: s.id,
        type: 'signal_monitor',
      });
      expect(copy.id).not.toBe(s.id);
      expect(copy.config).toEqual(original.config);
      const versions = body(await req(u, 'GET', `${copy.id}/versions`)).data.versions;
      expect(versions.map((v: { version: string }) => v.version)).toEqual(['v1.0']);
      const second = await req(u, 'POST', `${s.id}/clone`);
      expect(body(second).data.name).toBe(`${s.name} (copy 2)`);
      // The original is untouched.
      expect(body(await req(u, 'GET', String(s.id))).data).toEqual(original);
      expectError(await req(u, 'POST', '2147483647/clone'), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'POST', 'abc/clone'), 400, 'VALIDATION_ERROR');
    });

    it('a long name keeps its " (copy)" / " (copy 2)" suffix and its distinctive end within 100 characters', async () => {
      const u = await createUser(t);
      const lengths = [100, 95, 84];
      const results: Record<string, unknown>[] = [];
      for (const length of lengths) {
        const suffix = `-${++seq}`;
        const s = await createStrategy(u, { name: `${'n'.repeat(length - suffix.length)}${suffix}` });
        expect(s.name).toHaveLength(length);
        const first = body(await req(u, 'POST', `${s.id}/clone`)).data.name as string;
        const second = body(await req(u, 'POST', `${s.id}/clone`)).data.name as string;
        results.push({ length, first, second, fit: first.length <= 100 && second.length <= 100 });
      }
      expect(results).toEqual(
        lengths.map((length) => ({
          length,
          // Shortened in the middle (…) when needed, so names differing only at the end stay apart.
          first: expect.stringMatching(/^n+…?n*-\d+ \(copy\)$/),
          second: expect.stringMatching(/^n+…?n*-\d+ \(copy 2\)$/),
          fit: true,
        })),
      );
    });

    it('a clone of a strategy running uploaded source carries that source', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const src = pySource('SampleStrategy', 'Helper');
      expect((await req(u, 'PUT', `${s.id}/source`, { source: src })).statusCode).toBe(200);
      const copy = body(await req(u, 'POST', `${s.id}/clone`)).data;
      const got = body(await req(u, 'GET', `${copy.id}/source`)).data;
      expect(got).toMatchObject({ version: 'v1.0', origin: 'uploaded', source: src });
    });
  });

  describe('strategy files', () => {
    it('lists the .py files under STRATEGIES_DIR with the classes each defines', async () => {
      const u = await createUser(t);
      mkdirSync(path.join(strategiesDir, 'nested', 'deeper'), { recursive: true });
      mkdirSync(path.join(strategiesDir, '.hidden'), { recursive: true });
      mkdirSync(path.join(strategiesDir, '__pycache__'), { recursive: true });
      const nested = `${pySource('First', 'Second')}\n\nclass NotAStrategy(object):\n    pass\n`;
      writeFileSync(path.join(strategiesDir, 'nested', 'deeper', 'multi.py'), nested);
      writeFileSync(path.join(strategiesDir, '.hidden', 'secret.py'), pySource('Hidden'));
      writeFileSync(path.join(strategiesDir, '__pycache__', 'cached.py'), pySource('Cached'));
      symlinkSync(path.join(strategiesDir, 'sample.py'), path.join(strategiesDir, 'alias.py'));

      const res = await req(u, 'GET', `${API}/files`);
      expect(res.statusCode).toBe(200);
      const data = body(res).data;
      expect(data.root).toBe(path.resolve(strategiesDir));
      const paths = data.files.map((f: { path: string }) => f.path);
      expect(paths).toEqual(['alias.py', 'nested/deeper/multi.py', 'other.py', 'sample.py']);
      const byPath = Object.fromEntries(data.files.map((f: { path: string }) => [f.path, f]));
      expect(byPath['nested/deeper/multi.py']).toEqual({
        path: 'nested/deeper/multi.py',
        classes: ['First', 'Second'],
        size_bytes: Buffer.byteLength(nested),
        modified_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      });
      expect(byPath['sample.py'].classes).toEqual(['SampleStrategy']);
      expect(byPath['alias.py'].classes).toEqual(['SampleStrategy']);
      // The symlink inside the directory is usable; the escaping one (escape.py) was neither listed nor usable.
      expect((await createStrategy(u, { config: validConfig({ strategy_file: 'alias.py' }) })).version).toBe(
        'v1.0',
      );
      const multi = await createStrategy(u, {
        config: validConfig({ strategy_file: 'nested/deeper/multi.py', strategy_class: 'Second' }),
      });
      expect(multi.config.strategy_file).toBe('nested/deeper/multi.py');
      expect((await t.request({ method: 'GET', url: `${API}/files` })).statusCode).toBe(401);
    });
  });

  describe('source', () => {
    it('GET shows the file; PUT uploads source as a new version (class checked); a file config switches back', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const fromFile = await req(u, 'GET', `${s.id}/source`);
      expect(fromFile.statusCode).toBe(200);
      expect(body(fromFile).data).toEqual({
        version: 'v1.0',
        origin: 'file',
        strategy_file: 'sample.py',
        source: SAMPLE_PY,
        source_hash: sha256(SAMPLE_PY),
      });

      const missingClass = await req(u, 'PUT', `${s.id}/source`, { source: pySource('Elsewhere') });
      expectError(missingClass, 400, 'STRATEGY_CLASS_NOT_FOUND');
      expectError(await req(u, 'PUT', `${s.id}/source`, { source: '' }), 400, 'VALIDATION_ERROR');
      expectError(await req(u, 'PUT', `${s.id}/source`, {}), 400, 'VALIDATION_ERROR');
      expect(body(await req(u, 'GET', String(s.id))).data.version).toBe('v1.0');

      const uploaded = `${SAMPLE_PY}\n# tuned\n`;
      const put = await req(u, 'PUT', `${s.id}/source`, { source: uploaded, changelog: 'tuned' });
      expect(put.statusCode).toBe(200);
      expect(body(put).data.version).toBe('v1.1');
      expect(body(await req(u, 'GET', `${s.id}/source`)).data).toEqual({
        version: 'v1.1',
        origin: 'uploaded',
        strategy_file: null,
        source: uploaded,
        source_hash: sha256(uploaded),
      });
      const v11 = body(await req(u, 'GET', `${s.id}/versions/v1.1`)).data;
      expect(v11).toMatchObject({ has_source: true, source_hash: sha256(uploaded), changelog: 'tuned' });
      const explicit = await req(u, 'PUT', `${s.id}/source`, { source: uploaded, version: 'v3.0' });
      expect(body(explicit).data.version).toBe('v3.0');
      expectError(
        await req(u, 'PUT', `${s.id}/source`, { source: uploaded, version: 'v3.0' }),
        409,
        'VERSION_EXISTS',
      );

      // Naming a strategy_file in a config change switches back to the file.
      const back = await req(u, 'PUT', String(s.id), { config: validConfig({ timeframe: '1h' }) });
      expect(body(back).data.version).toBe('v3.1');
      expect(body(await req(u, 'GET', `${s.id}/source`)).data).toMatchObject({
        version: 'v3.1',
        origin: 'file',
        strategy_file: 'sample.py',
        source: SAMPLE_PY,
      });
      // Restoring the uploaded version brings its source back.
      await req(u, 'POST', `${s.id}/versions/v1.1/restore`);
      expect(body(await req(u, 'GET', `${s.id}/source`)).data).toMatchObject({
        version: 'v3.2',
        origin: 'uploaded',
        source: uploaded,
      });
    });

    it('a draft has no source yet (404 SOURCE_NOT_FOUND) and cannot take an upload (409 STRATEGY_IS_DRAFT)', async () => {
      const u = await createUser(t);
      const draft = body(await req(u, 'POST', API, { name: uniqueName(), is_draft: true })).data;
      expectError(await req(u, 'GET', `${draft.id}/source`), 404, 'SOURCE_NOT_FOUND');
      expectError(await req(u, 'PUT', `${draft.id}/source`, { source: SAMPLE_PY }), 409, 'STRATEGY_IS_DRAFT');
      expectError(await req(u, 'GET', '2147483647/source'), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'PUT', '2147483647/source', { source: SAMPLE_PY }), 404, 'STRATEGY_NOT_FOUND');
    });
  });

  describe('list', () => {
    it('paginates (default 10), filters by status, type and search, and sorts', async () => {
      const u = await createUser(t);
      const other = await createUser(t);
      await createStrategy(other, { name: 'zz-other', description: 'momentum' });
      const names = ['m-alpha', 'm-bravo', 'm-charlie', 'm-delta', 'm-echo', 'm-foxtrot', 'm-golf'];
      const created: Record<string, any> = {};
      for (const name of names) created[name] = await createStrategy(u, { name });
      created['m-hotel'] = await createStrategy(u, {
        name: 'm-hotel',
        type: 'trade_execution',
        description: 'Trades on MOMENTUM',
      });
      for (const name of ['m-india', 'm-juliet']) {
        created[name] = body(await req(u, 'POST', API, { name, is_draft: true })).data;
      }
      created['m-kilo 100%_off'] = await createStrategy(u, { name: 'm-kilo 100%_off' });
      created['m-lima'] = await createStrategy(u, { name: 'm-lima', description: 'Momentum play' });
      const all = Object.values(created);

      const page1 = await req(u, 'GET', API);
      expect(page1.statusCode).toBe(200);
      const p1 = body(page1);
      expect(p1.pagination).toEqual({ page: 1, page_size: 10, total: 12, total_pages: 2 });
      expect(p1.data.strategies).toHaveLength(10);
      // Default order: newest first.
      const newestFirst = [...all].reverse().map((s) => s.id);
      expect(p1.data.strategies.map((s: { id: number }) => s.id)).toEqual(newestFirst.slice(0, 10));
      const p2 = body(await req(u, 'GET', `${API}?page=2`));
      expect(p2.pagination).toEqual({ page: 2, page_size: 10, total: 12, total_pages: 2 });
      expect(p2.data.strategies.map((s: { id: number }) => s.id)).toEqual(newestFirst.slice(10));
      const small = body(await req(u, 'GET', `${API}?page_size=5&page=3`));
      expect(small.pagination).toEqual({ page: 3, page_size: 5, total: 12, total_pages: 3 });
      expect(small.data.strategies).toHaveLength(2);
      const beyond = body(await req(u, 'GET', `${API}?page=9`));
      expect(beyond.data.strategies).toEqual([]);
      expect(beyond.pagination.total).toBe(12);

      const ids = (r: Response) =>
        body(r)
          .data.strategies.map((s: { id: number }) => s.id)
          .sort();
      const sortedIds = (list: { id: number }[]) => list.map((s) => s.id).sort();
      expect(ids(await req(u, 'GET', `${API}?status=draft`))).toEqual(
        sortedIds([created['m-india'], created['m-juliet']]),
      );
      expect(body(await req(u, 'GET', `${API}?status=stopped&page_size=100`)).pagination.total).toBe(10);
      expect(body(await req(u, 'GET', `${API}?status=running`)).data.strategies).toEqual([]);
      expect(ids(await req(u, 'GET', `${API}?type=trade_execution`))).toEqual(
        sortedIds([created['m-hotel']]),
      );
      // Search: case-insensitive, name or description, never another user's strategies.
      expect(ids(await req(u, 'GET', `${API}?search=momentum`))).toEqual(
        sortedIds([created['m-hotel'], created['m-lima']]),
      );
      expect(ids(await req(u, 'GET', `${API}?search=CHARLIE`))).toEqual(sortedIds([created['m-charlie']]));
      expect(ids(await req(u, 'GET', `${API}?search=momentum&type=signal_monitor`))).toEqual(
        sortedIds([created['m-lima']]),
      );
      // LIKE wildcards are matched literally.
      expect(ids(await req(u, 'GET', `${API}?search=${encodeURIComponent('%')}`))).toEqual(
        sortedIds([created['m-kilo 100%_off']]),
      );
      expect(ids(await req(u, 'GET', `${API}?search=_`))).toEqual(sortedIds([created['m-kilo 100%_off']]));
      expect(body(await req(u, 'GET', `${API}?search=nothing-matches`)).data.strategies).toEqual([]);

      const namesOf = (r: Response) => body(r).data.strategies.map((s: { name: string }) => s.name);
      const allNames = [...Object.keys(created)].sort();
      expect(namesOf(await req(u, 'GET', `${API}?sort=name&page_size=100`))).toEqual(allNames);
      expect(namesOf(await req(u, 'GET', `${API}?sort=-name&page_size=100`))).toEqual(
        [...allNames].reverse(),
      );
      expect(
        body(await req(u, 'GET', `${API}?sort=created_at&page_size=3`)).data.strategies.map(
          (s: { id: number }) => s.id,
        ),
      ).toEqual(all.slice(0, 3).map((s) => s.id));
      const byStatus = body(await req(u, 'GET', `${API}?sort=status&page_size=100`)).data.strategies;
      expect(byStatus.slice(0, 2).map((s: { status: string }) => s.status)).toEqual(['draft', 'draft']);
      const byStatusDesc = body(await req(u, 'GET', `${API}?sort=-status&page_size=100`)).data.strategies;
      expect(byStatusDesc.slice(-2).map((s: { status: string }) => s.status)).toEqual(['draft', 'draft']);
      await req(u, 'PUT', String(created['m-bravo'].id), { description: 'touched' });
      expect(body(await req(u, 'GET', `${API}?sort=-updated_at`)).data.strategies[0].id).toBe(
        created['m-bravo'].id,
      );
      expect(
        body(await req(u, 'GET', `${API}?sort=updated_at&page_size=100`)).data.strategies.at(-1).id,
      ).toBe(created['m-bravo'].id);
    });

    it('rejects bad query parameters with 400', async () => {
      const u = await createUser(t);
      for (const q of [
        'sort=price',
        'sort=-id',
        'page=0',
        'page_size=0',
        'page_size=101',
        'status=paused',
        'type=arbitrage',
        'page=x',
        `search=${'x'.repeat(101)}`,
        'owner_id=1',
      ]) {
        expectError(await req(u, 'GET', `${API}?${q}`), 400, 'VALIDATION_ERROR');
      }
      expect((await t.request({ method: 'GET', url: API })).statusCode).toBe(401);
    });
  });

  describe('ownership', () => {
    it("another user's strategy is 404 STRATEGY_NOT_FOUND on every route, like a missing id, and is never changed", async () => {
      const owner = await createUser(t);
      const intruder = await createUser(t);
      const s = await createStrategy(owner, {
        description: 'top secret description',
        parameters: { secret_param: 42 },
      });
      await req(owner, 'PUT', String(s.id), { config: validConfig({ timeframe: '1h' }) });
      const draftRes = await req(owner, 'POST', `${s.id}/save-draft`, { description: 'draft secret' });
      expect(draftRes.statusCode).toBe(200);
      const draftId = body(draftRes).data.id as number;
      const before = body(await req(owner, 'GET', String(s.id))).data;

      const routes: [method: 'GET' | 'POST' | 'PUT' | 'DELETE', suffix: string, payload?: unknown][] = [
        ['GET', ''],
        ['PUT', '', { description: 'hijacked' }],
        ['PUT', '', { config: validConfig({ timeframe: '1d' }) }],
        ['POST', '/clone'],
        ['POST', '/start'],
        ['POST', '/stop'],
        ['GET', '/versions'],
        ['GET', '/versions/v1.0'],
        ['POST', '/versions/v1.0/restore'],
        ['GET', '/source'],
        ['PUT', '/source', { source: SAMPLE_PY }],
        ['GET', '/logs'],
        ['POST', '/save-draft', { description: 'hijacked' }],
        ['DELETE', ''],
      ];
      for (const [method, suffix, payload] of routes) {
        const theirs = await req(intruder, method, `${s.id}${suffix}`, payload);
        const missing = await req(intruder, method, `2147483647${suffix}`, payload);
        expect({ route: `${method} ${suffix}`, status: theirs.statusCode }).toEqual({
          route: `${method} ${suffix}`,
          status: 404,
        });
        expect(body(theirs).error.code).toBe('STRATEGY_NOT_FOUND');
        expect(body(theirs).error.message).toBe(body(missing).error.message);
        expect(theirs.body).not.toContain('secret');
        expect(theirs.body).not.toContain(s.name);
      }
      for (const [method, url] of [
        ['POST', `${API}/drafts/${draftId}/publish`],
        ['DELETE', `${API}/drafts/${draftId}`],
      ] as const) {
        const res = await req(intruder, method, url);
        expectError(res, 404, 'DRAFT_NOT_FOUND');
        expect(res.body).not.toContain('secret');
      }
      const theirList = await req(intruder, 'GET', `${API}?search=${encodeURIComponent(s.name)}`);
      expect(body(theirList).data.strategies).toEqual([]);
      expect(body(await req(intruder, 'GET', `${API}/drafts`)).data.drafts).toEqual([]);
      expect(body(await req(intruder, 'GET', API)).pagination.total).toBe(0);

      // Nothing the intruder did reached the owner's strategy.
      const after = await req(owner, 'GET', String(s.id));
      expect(after.statusCode).toBe(200);
      expect(body(after).data).toEqual(before);
      expect(body(await req(owner, 'GET', `${s.id}/versions`)).data.versions).toHaveLength(2);
      const drafts = body(await req(owner, 'GET', `${API}/drafts`)).data.drafts;
      expect(drafts).toMatchObject([{ id: draftId, changes: { description: 'draft secret' } }]);
    });

    it('every route needs a token', async () => {
      for (const [method, url] of [
        ['GET', `${API}/1`],
        ['POST', API],
        ['PUT', `${API}/1`],
        ['DELETE', `${API}/1`],
        ['GET', `${API}/1/versions`],
        ['GET', `${API}/1/source`],
        ['POST', `${API}/1/clone`],
      ] as const) {
        const res = await t.request({ method, url, payload: method === 'GET' ? undefined : {} });
        expectError(res, 401, 'UNAUTHORIZED');
      }
    });
  });
});
