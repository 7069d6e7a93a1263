import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'light-my-request';
import { DataSource } from 'typeorm';
import {
  CONFIG_DEFAULTS as DEFAULTS,
  STRATEGIES_API as API,
  pySource,
  validConfig,
} from '../factories/strategy.factory.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';
import { StrategyDraftsService } from '../../src/modules/strategies/strategy-drafts.service.js';

const DRAFTS = `${API}/drafts`;
const DAY_MS = 86_400_000;

let seq = 0;
const uniqueName = (prefix = 'draft') => `${prefix}-${process.pid}-${++seq}`;

describe.each(MODES)('strategy drafts (%s)', (mode) => {
  let t: TestApp;

  const req = (u: TestUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    t.request({
      method,
      url: url.startsWith('/') ? url : `${API}/${url}`,
      headers: bearer(u.accessToken),
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });

  const expectError = (res: Response, status: number, code: string) => {
    expect({ status: res.statusCode, code: body(res).error?.code }).toEqual({ status, code });
    return body(res).error;
  };
  const fieldsOf = (res: Response): string[] =>
    (body(res).error.details as { field: string }[]).map((d) => d.field);

  async function createStrategy(u: TestUser, payload: Record<string, unknown> = {}) {
    const res = await req(u, 'POST', API, { name: uniqueName('live'), config: validConfig(), ...payload });
    if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
    return body(res).data;
  }
  async function createDraftStrategy(u: TestUser, payload: Record<string, unknown> = {}) {
    const res = await req(u, 'POST', API, { name: uniqueName(), is_draft: true, ...payload });
    if (res.statusCode !== 201) throw new Error(`draft create failed: ${res.statusCode} ${res.body}`);
    return body(res).data;
  }
  async function saveDraft(u: TestUser, strategyId: number, payload: Record<string, unknown>) {
    const res = await req(u, 'POST', `${strategyId}/save-draft`, payload);
    if (res.statusCode !== 200) throw new Error(`save-draft failed: ${res.statusCode} ${res.body}`);
    return body(res).data;
  }
  const listDrafts = async (u: TestUser, query = '') =>
    body(await req(u, 'GET', `${DRAFTS}${query}`)).data.drafts as Record<string, any>[];
  const draftOf = async (u: TestUser, strategyId: number) =>
    (await listDrafts(u, '?page_size=100')).find((d) => d.strategy_id === strategyId);
  const backdate = (draftId: number, days: number) =>
    t.app
      .get(DataSource)
      .query(`UPDATE strategy_drafts SET updated_at = now() - make_interval(days => $2) WHERE id = $1`, [
        draftId,
        days,
      ]);

  beforeAll(async () => {
    t = await startTestApp({ mode, env: { RATE_LIMIT_MAX: '0' } });
    const dir = path.join(t.dataDir, 'strategies');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'sample.py'), pySource('SampleStrategy'));
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('draft strategies (is_draft)', () => {
    it('need nothing but a name; partial configs are stored as given, without defaults or a version', async () => {
      const u = await createUser(t);
      const bare = await createDraftStrategy(u);
      expect(bare).toMatchObject({ status: 'draft', version: null, config: {}, parameters: {} });
      const res = await req(u, 'POST', API, {
        name: uniqueName(),
        is_draft: true,
        description: 'work in progress',
        config: {
          timeframe: '1h',
          // Cross-field rules are left to publishing: out-of-order thresholds are fine in a draft.
          signal_thresholds: { strong_threshold: 10, medium_threshold: 50, weak_threshold: 90 },
          pair_whitelist: ['BTC/USDT', 'ETH/BTC'],
        },
        parameters: { buy_rsi: 30 },
        changelog: 'first idea',
      });
      expect(res.statusCode).toBe(201);
      const data = body(res).data;
      expect(data).toMatchObject({
        status: 'draft',
        version: null,
        description: 'work in progress',
        parameters: { buy_rsi: 30 },
        health_score: null,
      });
      expect(data.config).toEqual({
        timeframe: '1h',
        signal_thresholds: { strong_threshold: 10, medium_threshold: 50, weak_threshold: 90 },
        pair_whitelist: ['BTC/USDT', 'ETH/BTC'],
      });
      expect(body(await req(u, 'GET', String(data.id))).data).toEqual(data);
      expect(body(await req(u, 'GET', `${data.id}/versions`)).data.versions).toEqual([]);
      const draft = await draftOf(u, data.id);
      expect(draft).toMatchObject({
        strategy_id: data.id,
        strategy_name: data.name,
        is_new_strategy: true,
        changes: { config: data.config, parameters: { buy_rsi: 30 }, changelog: 'first idea' },
      });
    });

    it('still check types: wrong types, unknown keys and bad formats are 400 and create nothing', async () => {
      const u = await createUser(t);
      const cases: [Record<string, unknown>, string][] = [
        [{ timeframe: '7m' }, 'config.timeframe'],
        [{ pair_whitelist: 'BTC/USDT' }, 'config.pair_whitelist'],
        [{ pair_whitelist: ['btc-usdt'] }, 'config.pair_whitelist'],
        [{ default_strength: '50' }, 'config.default_strength'],
        [{ default_strength: 150 }, 'config.default_strength'],
        [{ signal_thresholds: { strong_threshold: 80 } }, 'config.signal_thresholds.medium_threshold'],
        [{ strategy_class: 42 }, 'config.strategy_class'],
        [{ proxy_settings: { enabled: 'yes' } }, 'config.proxy_settings.enabled'],
        [{ whatever: true }, 'config.whatever'],
      ];
      for (const [config, field] of cases) {
        const res = await req(u, 'POST', API, { name: uniqueName(), is_draft: true, config });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toContain(field);
      }
      for (const [extra, field] of [
        [{ is_draft: 'yes' }, 'is_draft'],
        [{ is_draft: true, source: 42 }, 'source'],
        [{ is_draft: true, version: 'one' }, 'version'],
      ] as const) {
        const res = await req(u, 'POST', API, { name: uniqueName(), ...extra });
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toContain(field);
      }
      expect(body(await req(u, 'GET', API)).pagination.total).toBe(0);
      expect(await listDrafts(u)).toEqual([]);
    });

    it('cannot be started, and publishing fills in v1.0 and makes them stopped', async () => {
      const u = await createUser(t);
      const s = await createDraftStrategy(u, { config: validConfig(), parameters: { p: 1 } });
      expectError(await req(u, 'POST', `${s.id}/start`), 409, 'STRATEGY_IS_DRAFT');
      expectError(await req(u, 'POST', `${s.id}/stop`), 409, 'STRATEGY_NOT_RUNNING');
      const draft = await draftOf(u, s.id);
      const res = await req(u, 'POST', `${DRAFTS}/${draft!.id}/publish`);
      expect(res.statusCode).toBe(200);
      expect(body(res).data).toMatchObject({
        id: s.id,
        status: 'stopped',
        version: 'v1.0',
        parameters: { p: 1 },
      });
      expect(body(res).data.config).toEqual({ ...DEFAULTS, ...validConfig() });
      const versions = body(await req(u, 'GET', `${s.id}/versions`)).data.versions;
      expect(versions).toMatchObject([{ version: 'v1.0', is_current: true, changelog: 'Created' }]);
      expect(await listDrafts(u)).toEqual([]);
      expect(
        body(await req(u, 'GET', `${API}?status=stopped`)).data.strategies.map((x: any) => x.id),
      ).toEqual([s.id]);
    });

    it('a draft strategy completed by a later save-draft publishes the merged config, with uploaded source', async () => {
      const u = await createUser(t);
      const s = await createDraftStrategy(u, { config: { timeframe: '4h', strategy_class: 'Uploaded' } });
      const source = pySource('Uploaded');
      const saved = await saveDraft(u, s.id, {
        config: { pair_whitelist: ['SOL/USDC'] },
        source,
        description: 'ready',
      });
      expect(saved).toMatchObject({ strategy_id: s.id, is_new_strategy: true });
      // A never-published strategy shows all it holds: its row's config under the pending edits.
      expect(saved.changes).toEqual({
        config: { timeframe: '4h', strategy_class: 'Uploaded', pair_whitelist: ['SOL/USDC'] },
        source: `(${source.length} characters)`,
        description: 'ready',
      });
      const res = await req(u, 'POST', `${DRAFTS}/${saved.id}/publish`);
      expect(res.statusCode).toBe(200);
      const data = body(res).data;
      expect(data).toMatchObject({ status: 'stopped', version: 'v1.0', description: 'ready' });
      expect(data.config).toEqual({
        ...DEFAULTS,
        timeframe: '4h',
        strategy_class: 'Uploaded',
        pair_whitelist: ['SOL/USDC'],
      });
      expect(body(await req(u, 'GET', `${s.id}/source`)).data).toMatchObject({
        origin: 'uploaded',
        version: 'v1.0',
        source,
      });
    });

    it('edits made with PUT to a draft strategy are what gets published', async () => {
      const u = await createUser(t);
      const s = await createDraftStrategy(u, {
        config: validConfig({ timeframe: '1h' }),
        parameters: { a: 1 },
      });
      const put = await req(u, 'PUT', String(s.id), {
        config: validConfig({ timeframe: '4h' }),
        parameters: { a: 2 },
        description: 'edited',
      });
      expect(put.statusCode).toBe(200);
      expect(body(put).data).toMatchObject({ status: 'draft', version: null, parameters: { a: 2 } });
      expect(body(put).data.config).toEqual(validConfig({ timeframe: '4h' }));
      const draft = await draftOf(u, s.id);
      const res = await req(u, 'POST', `${DRAFTS}/${draft!.id}/publish`);
      expect(res.statusCode).toBe(200);
      expect(body(res).data).toMatchObject({
        status: 'stopped',
        version: 'v1.0',
        description: 'edited',
        parameters: { a: 2 },
      });
      expect(body(res).data.config).toEqual({ ...DEFAULTS, ...validConfig({ timeframe: '4h' }) });
    });

    it('publishing an incomplete draft strategy fails in full and leaves it a draft', async () => {
      const u = await createUser(t);
      const s = await createDraftStrategy(u, { config: { timeframe: '1h' } });
      const draft = await draftOf(u, s.id);
      const res = await req(u, 'POST', `${DRAFTS}/${draft!.id}/publish`);
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(fieldsOf(res)).toEqual(
        expect.arrayContaining(['config.strategy_class', 'config.pair_whitelist', 'config.strategy_file']),
      );
      expect(fieldsOf(res)).not.toContain('config.timeframe');
      expect(body(await req(u, 'GET', String(s.id))).data).toEqual(s);
      expect(await draftOf(u, s.id)).toMatchObject({ id: draft!.id, changes: draft!.changes });
    });
  });

  describe('save-draft on an existing strategy', () => {
    it('stores pending edits without touching the live config, version or revision', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u, { description: 'live', parameters: { a: 1 } });
      const res = await req(u, 'POST', `${s.id}/save-draft`, {
        name: uniqueName('renamed'),
        description: 'pending',
        config: { timeframe: '1h' },
        parameters: { a: 2 },
        tags: ['next'],
        category: 'trend',
        changelog: 'hourly',
      });
      expect(res.statusCode).toBe(200);
      const draft = body(res).data;
      expect(draft).toMatchObject({
        id: expect.any(Number),
        strategy_id: s.id,
        strategy_name: s.name,
        is_new_strategy: false,
        changes: {
          description: 'pending',
          config: { timeframe: '1h' },
          parameters: { a: 2 },
          changelog: 'hourly',
        },
        age_seconds: expect.any(Number),
      });
      expect(draft.age_seconds).toBeGreaterThanOrEqual(0);
      expect(draft.age_seconds).toBeLessThan(60);
      expect(Date.parse(draft.expires_at) - Date.parse(draft.updated_at)).toBe(30 * DAY_MS);
      expect(body(await req(u, 'GET', String(s.id))).data).toEqual(s);
      expect(body(await req(u, 'GET', `${s.id}/versions`)).data.versions).toHaveLength(1);
      expect(await listDrafts(u)).toEqual([draft]);
    });

    it('checks types, unknown keys and the strategy id', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      for (const [payload, field] of [
        [{ config: { timeframe: '2m' } }, 'config.timeframe'],
        [{ config: { pair_whitelist: ['BTCUSDT'] } }, 'config.pair_whitelist'],
        [{ config: { bogus: 1 } }, 'config.bogus'],
        [{ name: '' }, 'name'],
        [{ tags: [1] }, 'tags'],
        [{ version: 'v2.0' }, 'version'],
        [{ status: 'running' }, 'status'],
      ] as const) {
        const res = await req(u, 'POST', `${s.id}/save-draft`, payload);
        expectError(res, 400, 'VALIDATION_ERROR');
        expect(fieldsOf(res)).toContain(field);
      }
      expect(await listDrafts(u)).toEqual([]);
      expectError(await req(u, 'POST', '2147483647/save-draft', {}), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'POST', 'abc/save-draft', {}), 400, 'VALIDATION_ERROR');
    });

    it('null for a required field is refused when saved, so publishing can never fail on it', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const outcomes: Record<string, unknown>[] = [];
      for (const field of ['name', 'tags']) {
        const saved = await req(u, 'POST', `${s.id}/save-draft`, { [field]: null });
        const draft = await draftOf(u, s.id);
        const published = draft ? await req(u, 'POST', `${DRAFTS}/${draft.id}/publish`) : undefined;
        if (draft) await req(u, 'DELETE', `${DRAFTS}/${draft.id}`);
        outcomes.push({ field, save: saved.statusCode, publish: published?.statusCode });
      }
      expect(outcomes).toEqual([
        { field: 'name', save: 400, publish: undefined },
        { field: 'tags', save: 400, publish: undefined },
      ]);
      expect(body(await req(u, 'GET', String(s.id))).data).toMatchObject({ name: s.name, tags: s.tags });
    });

    it('saving again replaces the draft (same id, old keys gone) and restarts its expiry', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const first = await saveDraft(u, s.id, { description: 'one', config: { timeframe: '1h' } });
      await backdate(first.id, 20);
      const aged = await draftOf(u, s.id);
      expect(aged!.age_seconds).toBeGreaterThanOrEqual(20 * 86_400 - 60);
      const second = await saveDraft(u, s.id, { tags: ['two'] });
      expect(second.id).toBe(first.id);
      expect(second.changes).toEqual({ tags: ['two'] });
      expect(second.age_seconds).toBeLessThan(60);
      expect(Date.parse(second.expires_at)).toBeGreaterThan(Date.now() + 29 * DAY_MS);
      const drafts = await listDrafts(u);
      expect(drafts).toHaveLength(1);
      expect(drafts[0]).toMatchObject({ id: first.id, changes: { tags: ['two'] } });
      expect(body(await req(u, 'GET', String(s.id))).data).toEqual(s);
    });
  });

  describe('list', () => {
    it('lists both kinds, newest save first, paginated, with age and expiry', async () => {
      const u = await createUser(t);
      const live = await createStrategy(u);
      const fresh = await createDraftStrategy(u, { config: { timeframe: '1d' } });
      const pending = await saveDraft(u, live.id, { description: 'pending' });
      const freshDraft = await draftOf(u, fresh.id);
      await backdate(freshDraft!.id, 2);
      const res = await req(u, 'GET', DRAFTS);
      expect(res.statusCode).toBe(200);
      const b = body(res);
      expect(b.pagination).toEqual({ page: 1, page_size: 20, total: 2, total_pages: 1 });
      expect(b.data.drafts).toHaveLength(2);
      const [first, second] = b.data.drafts;
      expect(first).toEqual({
        id: pending.id,
        strategy_id: live.id,
        strategy_name: live.name,
        is_new_strategy: false,
        changes: { description: 'pending' },
        created_at: expect.any(String),
        updated_at: expect.any(String),
        age_seconds: expect.any(Number),
        expires_at: expect.any(String),
      });
      expect(second).toMatchObject({
        id: freshDraft!.id,
        strategy_id: fresh.id,
        strategy_name: fresh.name,
        is_new_strategy: true,
        changes: { config: { timeframe: '1d' } },
      });
      expect(second.age_seconds).toBeGreaterThanOrEqual(2 * 86_400 - 60);
      expect(second.age_seconds).toBeLessThan(2 * 86_400 + 60);
      expect(Date.parse(second.expires_at) - Date.parse(second.updated_at)).toBe(30 * DAY_MS);
      const paged = body(await req(u, 'GET', `${DRAFTS}?page=2&page_size=1`));
      expect(paged.pagination).toEqual({ page: 2, page_size: 1, total: 2, total_pages: 2 });
      expect(paged.data.drafts.map((d: any) => d.id)).toEqual([freshDraft!.id]);
      expectError(await req(u, 'GET', `${DRAFTS}?page_size=101`), 400, 'VALIDATION_ERROR');
      expectError(await req(u, 'GET', `${DRAFTS}?owner_id=1`), 400, 'VALIDATION_ERROR');
      expect((await t.request({ method: 'GET', url: DRAFTS })).statusCode).toBe(401);
    });
  });

  describe('publish', () => {
    it('applies the draft over the live strategy as a new version and removes the draft', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u, {
        config: validConfig({ indicator_columns: ['rsi'] }),
        parameters: { a: 1 },
      });
      const newName = uniqueName('published');
      const draft = await saveDraft(u, s.id, {
        name: newName,
        description: 'now hourly',
        config: { timeframe: '1h', default_strength: 60 },
        parameters: { a: 2 },
        tags: ['hourly'],
        category: 'trend',
        changelog: 'hourly candles',
      });
      const res = await req(u, 'POST', `${DRAFTS}/${draft.id}/publish`);
      expect(res.statusCode).toBe(200);
      const data = body(res).data;
      expect(data).toMatchObject({
        id: s.id,
        name: newName,
        description: 'now hourly',
        version: 'v1.1',
        status: 'stopped',
        parameters: { a: 2 },
        tags: ['hourly'],
        category: 'trend',
      });
      // Draft keys laid over the live config: the rest of it is kept.
      expect(data.config).toEqual({ ...s.config, timeframe: '1h', default_strength: 60 });
      expect(body(await req(u, 'GET', String(s.id))).data).toEqual(data);
      const versions = body(await req(u, 'GET', `${s.id}/versions`)).data.versions;
      expect(versions.map((v: any) => [v.version, v.is_current, v.changelog])).toEqual([
        ['v1.1', true, 'hourly candles'],
        ['v1.0', false, 'Created'],
      ]);
      expect(await listDrafts(u)).toEqual([]);
      expectError(await req(u, 'POST', `${DRAFTS}/${draft.id}/publish`), 404, 'DRAFT_NOT_FOUND');
      // A draft with only descriptive changes is published as a version too, with the default changelog.
      const d2 = await saveDraft(u, s.id, { description: 'reworded' });
      const p2 = body(await req(u, 'POST', `${DRAFTS}/${d2.id}/publish`)).data;
      expect(p2).toMatchObject({ version: 'v1.2', description: 'reworded' });
      expect(body(await req(u, 'GET', `${s.id}/versions/v1.2`)).data.changelog).toBe('Draft published');
    });

    it('a draft that fails full validation stays in place and nothing changes', async () => {
      const u = await createUser(t);
      const s = await createStrategy(u);
      const other = await createStrategy(u);
      const attempts: [Record<string, unknown>, number, string][] = [
        [{ config: { pair_whitelist: ['BTC/USDT', 'ETH/BTC'] } }, 400, 'MIXED_QUOTE_CURRENCIES'],
        [
          {
            config: { signal_thresholds: { strong_threshold: 20, medium_threshold: 50, weak_threshold: 80 } },
          },
          400,
          'VALIDATION_ERROR',
        ],
        [{ config: { exchange: 'nosuchexchange' } }, 400, 'VALIDATION_ERROR'],
        [{ config: { strategy_file: '../sample.py' } }, 400, 'VALIDATION_ERROR'],
        [{ config: { strategy_file: 'missing.py' } }, 400, 'STRATEGY_FILE_NOT_FOUND'],
        [{ config: { strategy_class: 'Missing' } }, 400, 'STRATEGY_CLASS_NOT_FOUND'],
        [{ source: pySource('SomethingElse') }, 400, 'STRATEGY_CLASS_NOT_FOUND'],
        [{ name: other.name, description: 'clash' }, 409, 'STRATEGY_NAME_TAKEN'],
      ];
      for (const [payload, status, code] of attempts) {
        const draft = await saveDraft(u, s.id, payload);
        expectError(await req(u, 'POST', `${DRAFTS}/${draft.id}/publish`), status, code);
        const still = await draftOf(u, s.id);
        expect(still).toMatchObject({ id: draft.id, changes: draft.changes });
        expect(body(await req(u, 'GET', String(s.id))).data).toEqual(s);
      }
      expect(body(await req(u, 'GET', `${s.id}/versions`)).data.versions).toHaveLength(1);
      expectError(await req(u, 'POST', `${DRAFTS}/2147483647/publish`), 404, 'DRAFT_NOT_FOUND');
      expectError(await req(u, 'POST', `${DRAFTS}/abc/publish`), 400, 'VALIDATION_ERROR');
    });
  });

  describe('delete', () => {
    it("discards an existing strategy's draft and keeps the strategy; a draft strategy goes with its draft", async () => {
      const u = await createUser(t);
      const live = await createStrategy(u);
      const pending = await saveDraft(u, live.id, { config: { timeframe: '1h' } });
      const del = await req(u, 'DELETE', `${DRAFTS}/${pending.id}`);
      expect(del.statusCode).toBe(200);
      expect(body(del)).toMatchObject({ success: true, data: null });
      expect(body(await req(u, 'GET', String(live.id))).data).toEqual(live);
      expectError(await req(u, 'DELETE', `${DRAFTS}/${pending.id}`), 404, 'DRAFT_NOT_FOUND');

      const fresh = await createDraftStrategy(u);
      const freshDraft = await draftOf(u, fresh.id);
      expect((await req(u, 'DELETE', `${DRAFTS}/${freshDraft!.id}`)).statusCode).toBe(200);
      expectError(await req(u, 'GET', String(fresh.id)), 404, 'STRATEGY_NOT_FOUND');
      expect(await listDrafts(u)).toEqual([]);
      expect(body(await req(u, 'GET', API)).data.strategies.map((s: any) => s.id)).toEqual([live.id]);
      // The name of the discarded draft strategy is free again.
      expect((await createDraftStrategy(u, { name: fresh.name })).name).toBe(fresh.name);
      expectError(await req(u, 'DELETE', `${DRAFTS}/abc`), 400, 'VALIDATION_ERROR');
    });

    it('deleting a strategy deletes its pending draft', async () => {
      const u = await createUser(t);
      const live = await createStrategy(u);
      const pending = await saveDraft(u, live.id, { description: 'x' });
      expect((await req(u, 'DELETE', String(live.id))).statusCode).toBe(200);
      expect(await listDrafts(u)).toEqual([]);
      expectError(await req(u, 'POST', `${DRAFTS}/${pending.id}/publish`), 404, 'DRAFT_NOT_FOUND');
    });

    it("another user's drafts are 404 DRAFT_NOT_FOUND and invisible", async () => {
      const owner = await createUser(t);
      const intruder = await createUser(t);
      const s = await createDraftStrategy(owner, { description: 'private plans' });
      const draft = await draftOf(owner, s.id);
      for (const [method, url] of [
        ['POST', `${DRAFTS}/${draft!.id}/publish`],
        ['DELETE', `${DRAFTS}/${draft!.id}`],
      ] as const) {
        const res = await req(intruder, method, url);
        expectError(res, 404, 'DRAFT_NOT_FOUND');
        expect(res.body).not.toContain('private');
      }
      expectError(
        await req(intruder, 'POST', `${s.id}/save-draft`, { description: 'x' }),
        404,
        'STRATEGY_NOT_FOUND',
      );
      expect(await listDrafts(intruder)).toEqual([]);
      expect(await draftOf(owner, s.id)).toEqual(draft);
      expect(body(await req(owner, 'GET', String(s.id))).data).toEqual(s);
    });
  });

  describe('cleanup', () => {
    it("removes only the caller's drafts older than DRAFT_TTL_DAYS (30), with the draft strategies they hold", async () => {
      const u = await createUser(t);
      const other = await createUser(t);
      const oldFresh = await createDraftStrategy(u);
      const recentFresh = await createDraftStrategy(u);
      const oldLive = await createStrategy(u);
      const recentLive = await createStrategy(u);
      const oldLiveDraft = await saveDraft(u, oldLive.id, { description: 'stale edit' });
      const recentLiveDraft = await saveDraft(u, recentLive.id, { description: 'recent edit' });
      const othersOld = await createDraftStrategy(other);
      const othersOldDraft = await draftOf(other, othersOld.id);
      await backdate((await draftOf(u, oldFresh.id))!.id, 40);
      await backdate(oldLiveDraft.id, 31);
      await backdate((await draftOf(u, recentFresh.id))!.id, 29);
      await backdate(othersOldDraft!.id, 40);
      const expired = await draftOf(u, oldFresh.id);
      expect(Date.parse(expired!.expires_at)).toBeLessThan(Date.now());

      const res = await req(u, 'POST', `${DRAFTS}/cleanup`);
      expect(res.statusCode).toBe(200);
      expect(body(res).data).toEqual({ deleted: 2 });
      const left = (await listDrafts(u)).map((d) => d.strategy_id).sort();
      expect(left).toEqual([recentFresh.id, recentLive.id].sort());
      expect((await draftOf(u, recentLive.id))!.id).toBe(recentLiveDraft.id);
      expectError(await req(u, 'GET', String(oldFresh.id)), 404, 'STRATEGY_NOT_FOUND');
      // A published strategy only loses its stale draft.
      expect(body(await req(u, 'GET', String(oldLive.id))).data).toEqual(oldLive);
      expect(body(await req(u, 'POST', `${DRAFTS}/cleanup`)).data).toEqual({ deleted: 0 });

      // The per-user endpoint never reaches another user's drafts …
      expect(await draftOf(other, othersOld.id)).toMatchObject({ id: othersOldDraft!.id });
      expect(body(await req(other, 'GET', String(othersOld.id))).data.status).toBe('draft');
      // … the scheduled cleanup (all users) does.
      await t.app.get(StrategyDraftsService).scheduledCleanup();
      expect(await listDrafts(other)).toEqual([]);
      expectError(await req(other, 'GET', String(othersOld.id)), 404, 'STRATEGY_NOT_FOUND');
      expect((await listDrafts(u)).map((d) => d.strategy_id).sort()).toEqual(left);
      expect((await t.request({ method: 'POST', url: `${DRAFTS}/cleanup` })).statusCode).toBe(401);
    });
  });
});
