import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Response } from 'light-my-request';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { FakeStrategyRuntime } from '../support/fake-strategy-runtime.js';
import { MODES } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';
import { AppException } from '../../src/common/errors/app.exception.js';
import { StrategyLogsService } from '../../src/modules/strategies/strategy-logs.service.js';
import { STRATEGY_RUNTIME } from '../../src/modules/strategies/strategy-runtime.port.js';

const API = '/api/v1/strategies';
const STATUS_CHANGED = 'strategy.status_changed';
const MINUTE = 60_000;
const DAY = 86_400_000;

interface StatusEvent {
  strategyId: number;
  ownerId: number;
  status: string;
  previousStatus: string;
  healthScore: number | null;
  reason?: string;
}

const SAMPLE_PY =
  'from freqtrade.strategy import IStrategy\n\n\nclass SampleStrategy(IStrategy):\n    pass\n';

const validConfig = (overrides: Record<string, unknown> = {}) => ({
  strategy_class: 'SampleStrategy',
  strategy_file: 'sample.py',
  timeframe: '5m',
  pair_whitelist: ['BTC/USDT'],
  ...overrides,
});

let seq = 0;
const uniqueName = () => `life-${process.pid}-${++seq}`;

/** A helper bound to one running app. */
function client(get: () => TestApp) {
  const req = (u: TestUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    get().request({
      method,
      url: url.startsWith('/') ? url : `${API}/${url}`,
      headers: bearer(u.accessToken),
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });
  const create = async (u: TestUser, payload: Record<string, unknown> = {}) => {
    const res = await req(u, 'POST', API, { name: uniqueName(), config: validConfig(), ...payload });
    if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
    return body(res).data;
  };
  return { req, create };
}

const expectError = (res: Response, status: number, code: string) => {
  expect({ status: res.statusCode, code: body(res).error?.code }).toEqual({ status, code });
  return body(res).error;
};

function setup(t: TestApp) {
  const dir = path.join(t.dataDir, 'strategies');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'sample.py'), SAMPLE_PY);
  const events: StatusEvent[] = [];
  t.app.get(EventEmitter2).on(STATUS_CHANGED, (e: StatusEvent) => void events.push(e));
  return events;
}

describe.each(MODES)('strategy lifecycle with a fake runtime (%s)', (mode) => {
  let t: TestApp;
  let fake: FakeStrategyRuntime;
  let events: StatusEvent[];
  const { req, create } = client(() => t);
  const eventsOf = (id: number) =>
    events.filter((e) => e.strategyId === id).map((e) => [e.previousStatus, e.status, e.reason]);
  const callsOf = (id: number) => fake.calls.filter((c) => c.strategyId === id);

  beforeAll(async () => {
    fake = new FakeStrategyRuntime();
    t = await startTestApp({
      mode,
      env: { RATE_LIMIT_MAX: '0' },
      overrides: [{ provide: STRATEGY_RUNTIME, useValue: fake }],
    });
    events = setup(t);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    fake.failNext = undefined;
  });

  describe('start and stop', () => {
    it('start → running with events starting, running; again → 409; stop → stopped; again → 409', async () => {
      const u = await createUser(t);
      const s = await create(u, { parameters: { p: 1 } });
      const before = Date.now();
      const res = await req(u, 'POST', `${s.id}/start`);
      expect(res.statusCode).toBe(200);
      const running = body(res).data;
      expect(running).toMatchObject({
        id: s.id,
        status: 'running',
        health_score: null,
        last_error: null,
        version: 'v1.0',
      });
      expect(running.uptime_seconds).toBeGreaterThanOrEqual(0);
      expect(running.uptime_seconds).toBeLessThan(60);
      expect(Date.parse(running.last_run_at)).toBeGreaterThanOrEqual(before - 1000);
      expect(eventsOf(s.id)).toEqual([
        ['stopped', 'starting', undefined],
        ['starting', 'running', undefined],
      ]);
      expect(events.filter((e) => e.strategyId === s.id)).toEqual([
        { strategyId: s.id, ownerId: u.id, status: 'starting', previousStatus: 'stopped', healthScore: null },
        { strategyId: s.id, ownerId: u.id, status: 'running', previousStatus: 'starting', healthScore: null },
      ]);
      expect(callsOf(s.id)).toEqual([{ op: 'start', strategyId: s.id, version: 'v1.0' }]);
      expect(fake.running.get(s.id)).toEqual({
        strategyId: s.id,
        ownerId: u.id,
        name: s.name,
        version: 'v1.0',
        config: s.config,
        parameters: { p: 1 },
        source: null,
        sourceFile: realpathSync(path.join(t.dataDir, 'strategies', 'sample.py')),
      });
      const got = body(await req(u, 'GET', String(s.id))).data;
      expect(got).toMatchObject({ status: 'running', last_run_at: running.last_run_at, health_score: null });
      expect(got.uptime_seconds).toBeGreaterThanOrEqual(0);
      expect(
        body(await req(u, 'GET', `${API}?status=running`)).data.strategies.map((x: any) => x.id),
      ).toEqual([s.id]);

      const again = await req(u, 'POST', `${s.id}/start`);
      expectError(again, 409, 'STRATEGY_ALREADY_RUNNING');
      expect(callsOf(s.id)).toHaveLength(1);
      expect(eventsOf(s.id)).toHaveLength(2);

      const stop = await req(u, 'POST', `${s.id}/stop`);
      expect(stop.statusCode).toBe(200);
      expect(body(stop).data).toMatchObject({
        status: 'stopped',
        uptime_seconds: 0,
        health_score: null,
        last_run_at: running.last_run_at,
      });
      expect(eventsOf(s.id).slice(2)).toEqual([
        ['running', 'stopping', undefined],
        ['stopping', 'stopped', 'stop requested'],
      ]);
      expect(callsOf(s.id).slice(1)).toEqual([{ op: 'stop', strategyId: s.id }]);
      expect(fake.running.has(s.id)).toBe(false);
      expectError(await req(u, 'POST', `${s.id}/stop`), 409, 'STRATEGY_NOT_RUNNING');
      expect(eventsOf(s.id)).toHaveLength(4);
      expect(body(await req(u, 'GET', String(s.id))).data.status).toBe('stopped');
      // And it can be started again.
      expect(body(await req(u, 'POST', `${s.id}/start`)).data.status).toBe('running');
      expect(body(await req(u, 'POST', `${s.id}/stop`)).data.status).toBe('stopped');
    });

    it('the strategy a start or stop returns carries the current revision, which PUT then accepts', async () => {
      const u = await createUser(t);
      const s = await create(u);
      const started = body(await req(u, 'POST', `${s.id}/start`)).data;
      const afterStart = body(await req(u, 'GET', String(s.id))).data;
      const put = await req(u, 'PUT', String(s.id), { description: 'x', revision: started.revision });
      expect({
        revision: started.revision,
        updated_at: started.updated_at,
        put_with_that_revision: put.statusCode,
      }).toEqual({
        revision: afterStart.revision,
        updated_at: afterStart.updated_at,
        put_with_that_revision: 200,
      });
      const stopped = body(await req(u, 'POST', `${s.id}/stop`)).data;
      expect(stopped.revision).toBe(body(await req(u, 'GET', String(s.id))).data.revision);
    });

    it('a draft is 409 STRATEGY_IS_DRAFT, trade_execution is 422, unknown ids 404 — the runtime is never called', async () => {
      const u = await createUser(t);
      const draft = body(await req(u, 'POST', API, { name: uniqueName(), is_draft: true })).data;
      expectError(await req(u, 'POST', `${draft.id}/start`), 409, 'STRATEGY_IS_DRAFT');
      expectError(await req(u, 'POST', `${draft.id}/stop`), 409, 'STRATEGY_NOT_RUNNING');
      const trade = await create(u, { type: 'trade_execution' });
      expectError(await req(u, 'POST', `${trade.id}/start`), 422, 'STRATEGY_TYPE_NOT_SUPPORTED');
      expectError(await req(u, 'POST', `${trade.id}/stop`), 409, 'STRATEGY_NOT_RUNNING');
      expectError(await req(u, 'POST', '2147483647/start'), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'POST', '2147483647/stop'), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'POST', 'abc/start'), 400, 'VALIDATION_ERROR');
      for (const id of [draft.id, trade.id]) {
        expect(callsOf(id)).toEqual([]);
        expect(eventsOf(id)).toEqual([]);
      }
      expect(body(await req(u, 'GET', String(draft.id))).data.status).toBe('draft');
      expect(body(await req(u, 'GET', String(trade.id))).data.status).toBe('stopped');
    });

    it('a runtime start failure → error with last_error, the error propagates; starting from error works', async () => {
      const u = await createUser(t);
      const s = await create(u);
      fake.failNext = new Error('bot crashed on boot');
      const failed = await req(u, 'POST', `${s.id}/start`);
      expect(failed.statusCode).toBe(500);
      expect(body(failed).error.code).toBe('INTERNAL_ERROR');
      expect(failed.body).not.toContain('bot crashed');
      const errored = body(await req(u, 'GET', String(s.id))).data;
      expect(errored).toMatchObject({
        status: 'error',
        last_error: 'bot crashed on boot',
        health_score: null,
        uptime_seconds: 0,
      });
      expect(eventsOf(s.id)).toEqual([
        ['stopped', 'starting', undefined],
        ['starting', 'error', 'start failed'],
      ]);
      // A deliberate failure keeps its code.
      fake.failNext = new AppException('FREQTRADE_NOT_INSTALLED', { hint: 'missing' });
      expectError(await req(u, 'POST', `${s.id}/start`), 503, 'FREQTRADE_NOT_INSTALLED');
      expect(body(await req(u, 'GET', String(s.id))).data).toMatchObject({
        status: 'error',
        last_error: 'FreqTrade is not installed',
      });

      const retry = await req(u, 'POST', `${s.id}/start`);
      expect(retry.statusCode).toBe(200);
      expect(body(retry).data).toMatchObject({ status: 'running', last_error: null });
      expect(eventsOf(s.id).slice(-2)).toEqual([
        ['error', 'starting', undefined],
        ['starting', 'running', undefined],
      ]);
      expect(body(await req(u, 'GET', String(s.id))).data.last_error).toBeNull();
    });

    it('an errored strategy can be stopped', async () => {
      const u = await createUser(t);
      const s = await create(u);
      fake.failNext = new Error('boom');
      await req(u, 'POST', `${s.id}/start`);
      const stop = await req(u, 'POST', `${s.id}/stop`);
      expect(stop.statusCode).toBe(200);
      expect(body(stop).data.status).toBe('stopped');
      expect(eventsOf(s.id).slice(-2)).toEqual([
        ['error', 'stopping', undefined],
        ['stopping', 'stopped', 'stop requested'],
      ]);
    });

    it('while the runtime is starting, start, stop and delete are 409 STRATEGY_BUSY', async () => {
      const u = await createUser(t);
      const s = await create(u);
      const originalStart = fake.start.bind(fake);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      fake.start = async (spec) => {
        entered();
        await gate;
        return originalStart(spec);
      };
      try {
        const pending = req(u, 'POST', `${s.id}/start`);
        await inside;
        expect(body(await req(u, 'GET', String(s.id))).data.status).toBe('starting');
        expectError(await req(u, 'POST', `${s.id}/start`), 409, 'STRATEGY_BUSY');
        expectError(await req(u, 'POST', `${s.id}/stop`), 409, 'STRATEGY_BUSY');
        expectError(await req(u, 'DELETE', String(s.id)), 409, 'STRATEGY_BUSY');
        release();
        const res = await pending;
        expect(body(res).data.status).toBe('running');
      } finally {
        fake.start = originalStart;
        release();
      }
      expect(body(await req(u, 'GET', String(s.id))).data.status).toBe('running');
      expect(eventsOf(s.id)).toEqual([
        ['stopped', 'starting', undefined],
        ['starting', 'running', undefined],
      ]);
    });
  });

  describe('a running strategy', () => {
    it('restarts on a new version from a config change, publish, restore and source upload — not on descriptive edits', async () => {
      const u = await createUser(t);
      const s = await create(u);
      await req(u, 'POST', `${s.id}/start`);
      const base = callsOf(s.id).length;

      const descriptive = await req(u, 'PUT', String(s.id), { description: 'just words', tags: ['x'] });
      expect(body(descriptive).data.status).toBe('running');
      expect(callsOf(s.id)).toHaveLength(base);

      const updated = await req(u, 'PUT', String(s.id), { config: validConfig({ timeframe: '1h' }) });
      expect(body(updated).data).toMatchObject({ status: 'running', version: 'v1.1' });
      expect(callsOf(s.id).slice(base)).toEqual([{ op: 'restart', strategyId: s.id, version: 'v1.1' }]);
      expect(fake.running.get(s.id)!.config.timeframe).toBe('1h');

      const draft = body(await req(u, 'POST', `${s.id}/save-draft`, { config: { timeframe: '4h' } })).data;
      const published = await req(u, 'POST', `${API}/drafts/${draft.id}/publish`);
      expect(body(published).data).toMatchObject({ status: 'running', version: 'v1.2' });
      expect(callsOf(s.id).at(-1)).toEqual({ op: 'restart', strategyId: s.id, version: 'v1.2' });
      expect(fake.running.get(s.id)!.config.timeframe).toBe('4h');

      const restored = await req(u, 'POST', `${s.id}/versions/v1.0/restore`);
      expect(body(restored).data).toMatchObject({ status: 'running', version: 'v1.3' });
      expect(callsOf(s.id).at(-1)).toEqual({ op: 'restart', strategyId: s.id, version: 'v1.3' });
      expect(fake.running.get(s.id)!.config.timeframe).toBe('5m');

      const source = `${SAMPLE_PY}\n# uploaded\n`;
      const uploaded = await req(u, 'PUT', `${s.id}/source`, { source });
      expect(body(uploaded).data).toMatchObject({ status: 'running', version: 'v1.4' });
      expect(callsOf(s.id).at(-1)).toEqual({ op: 'restart', strategyId: s.id, version: 'v1.4' });
      expect(fake.running.get(s.id)).toMatchObject({ source, sourceFile: null, version: 'v1.4' });
      // No status moved through all of it.
      expect(eventsOf(s.id)).toHaveLength(2);
    });

    it('a failed restart leaves it in error with last_error, and the error propagates', async () => {
      const u = await createUser(t);
      const s = await create(u);
      await req(u, 'POST', `${s.id}/start`);
      fake.failNext = new Error('restart exploded');
      const res = await req(u, 'PUT', String(s.id), { config: validConfig({ timeframe: '1h' }) });
      expect(res.statusCode).toBe(500);
      expect(body(await req(u, 'GET', String(s.id))).data).toMatchObject({
        status: 'error',
        last_error: 'restart exploded',
      });
      expect(eventsOf(s.id).at(-1)).toEqual(['running', 'error', 'restart failed']);
    });

    it('stopped strategies are not restarted by a new version', async () => {
      const u = await createUser(t);
      const s = await create(u);
      await req(u, 'PUT', String(s.id), { config: validConfig({ timeframe: '1h' }) });
      expect(callsOf(s.id)).toEqual([]);
    });

    it('delete stops it first (stop called, events stopping → stopped), then it is gone', async () => {
      const u = await createUser(t);
      const s = await create(u);
      await req(u, 'POST', `${s.id}/start`);
      const del = await req(u, 'DELETE', String(s.id));
      expect(del.statusCode).toBe(200);
      expect(callsOf(s.id).map((c) => c.op)).toEqual(['start', 'stop']);
      expect(fake.running.has(s.id)).toBe(false);
      expect(eventsOf(s.id).slice(2)).toEqual([
        ['running', 'stopping', undefined],
        ['stopping', 'stopped', 'strategy deleted'],
      ]);
      expectError(await req(u, 'GET', String(s.id)), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'POST', `${s.id}/stop`), 404, 'STRATEGY_NOT_FOUND');
    });

    it('another user can neither start, stop nor see it', async () => {
      const owner = await createUser(t);
      const intruder = await createUser(t);
      const s = await create(owner);
      expectError(await req(intruder, 'POST', `${s.id}/start`), 404, 'STRATEGY_NOT_FOUND');
      await req(owner, 'POST', `${s.id}/start`);
      expectError(await req(intruder, 'POST', `${s.id}/stop`), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(intruder, 'DELETE', String(s.id)), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(intruder, 'GET', `${s.id}/logs`), 404, 'STRATEGY_NOT_FOUND');
      expect(body(await req(owner, 'GET', String(s.id))).data.status).toBe('running');
      expect(callsOf(s.id).map((c) => c.op)).toEqual(['start']);
    });
  });

  describe('logs', () => {
    it('records system lines for create, update, start and stop', async () => {
      const u = await createUser(t);
      const s = await create(u);
      await req(u, 'PUT', String(s.id), { config: validConfig({ timeframe: '1h' }) });
      await req(u, 'POST', `${s.id}/start`);
      await req(u, 'POST', `${s.id}/stop`);
      await req(u, 'POST', `${s.id}/versions/v1.0/restore`);
      const draft = body(await req(u, 'POST', `${s.id}/save-draft`, { description: 'd' })).data;
      await req(u, 'POST', `${API}/drafts/${draft.id}/publish`);
      const res = await req(u, 'GET', `${s.id}/logs?page_size=100`);
      expect(res.statusCode).toBe(200);
      const logs = body(res).data.logs as { level: string; source: string; message: string }[];
      expect(logs.every((l) => l.source === 'system' && l.level === 'INFO')).toBe(true);
      expect(logs.map((l) => l.message).reverse()).toEqual([
        'Created as v1.0',
        'Configuration updated to v1.1',
        'Starting version v1.1',
        'Running',
        'Stopped (stop requested)',
        'Restored v1.0 as v1.2',
        'Draft published as v1.3',
      ]);
    });

    it('lists appended entries newest first, filters by level and above and by time range, paginates', async () => {
      const u = await createUser(t);
      const s = await create(u);
      const logs = t.app.get(StrategyLogsService);
      const now = Date.now();
      const at = (minutesAgo: number) => new Date(now - minutesAgo * MINUTE);
      await logs.append(s.id, [
        { level: 'DEBUG', message: 'debug line', source: 'freqtrade', timestamp: at(50) },
        { level: 'INFO', message: 'info line', source: 'freqtrade', timestamp: at(40) },
        { level: 'WARNING', message: 'warning line', source: 'freqtrade', timestamp: at(30) },
        { level: 'ERROR', message: 'error line', timestamp: at(20) },
        { level: 'CRITICAL', message: 'critical line', source: 'freqtrade', timestamp: at(10) },
      ]);
      await logs.append(s.id, []);
      const messages = (r: Response) => body(r).data.logs.map((l: { message: string }) => l.message);

      const all = await req(u, 'GET', `${s.id}/logs`);
      expect(all.statusCode).toBe(200);
      expect(messages(all)).toEqual([
        'Created as v1.0',
        'critical line',
        'error line',
        'warning line',
        'info line',
        'debug line',
      ]);
      expect(body(all).pagination).toEqual({ page: 1, page_size: 20, total: 6, total_pages: 1 });
      expect(body(all).data.logs[1]).toEqual({
        id: expect.any(String),
        timestamp: at(10).toISOString(),
        level: 'CRITICAL',
        source: 'freqtrade',
        message: 'critical line',
      });
      expect(body(all).data.logs[2]).toMatchObject({ level: 'ERROR', source: 'system' });

      expect(messages(await req(u, 'GET', `${s.id}/logs?level=WARNING`))).toEqual([
        'critical line',
        'error line',
        'warning line',
      ]);
      expect(messages(await req(u, 'GET', `${s.id}/logs?level=CRITICAL`))).toEqual(['critical line']);
      expect(messages(await req(u, 'GET', `${s.id}/logs?level=DEBUG`))).toHaveLength(6);
      expect(messages(await req(u, 'GET', `${s.id}/logs?level=INFO`))).not.toContain('debug line');

      const range = `start_time=${encodeURIComponent(at(40).toISOString())}&end_time=${encodeURIComponent(at(10).toISOString())}`;
      expect(messages(await req(u, 'GET', `${s.id}/logs?${range}`))).toEqual([
        'error line',
        'warning line',
        'info line',
      ]);
      expect(messages(await req(u, 'GET', `${s.id}/logs?${range}&level=ERROR`))).toEqual(['error line']);
      expect(
        messages(await req(u, 'GET', `${s.id}/logs?start_time=${encodeURIComponent(at(15).toISOString())}`)),
      ).toEqual(['Created as v1.0', 'critical line']);
      expect(
        messages(await req(u, 'GET', `${s.id}/logs?end_time=${encodeURIComponent(at(35).toISOString())}`)),
      ).toEqual(['info line', 'debug line']);

      const page2 = body(await req(u, 'GET', `${s.id}/logs?page=2&page_size=4`));
      expect(page2.pagination).toEqual({ page: 2, page_size: 4, total: 6, total_pages: 2 });
      expect(page2.data.logs.map((l: { message: string }) => l.message)).toEqual(['info line', 'debug line']);
    });

    it('rejects a bad level, bad times and an inverted range with 400', async () => {
      const u = await createUser(t);
      const s = await create(u);
      for (const q of [
        'level=TRACE',
        'level=info',
        'start_time=yesterday',
        'end_time=not-a-date',
        `start_time=${encodeURIComponent(new Date().toISOString())}&end_time=${encodeURIComponent(new Date(Date.now() - DAY).toISOString())}`,
        'page_size=101',
        'source=system',
      ]) {
        expectError(await req(u, 'GET', `${s.id}/logs?${q}`), 400, 'VALIDATION_ERROR');
      }
      expectError(await req(u, 'GET', '2147483647/logs'), 404, 'STRATEGY_NOT_FOUND');
      expectError(await req(u, 'GET', 'abc/logs'), 400, 'VALIDATION_ERROR');
    });

    it('prune removes only lines older than STRATEGY_LOG_RETENTION_DAYS (30)', async () => {
      const u = await createUser(t);
      const s = await create(u);
      const logs = t.app.get(StrategyLogsService);
      const now = Date.now();
      await logs.append(s.id, [
        { level: 'INFO', message: 'ancient', timestamp: new Date(now - 90 * DAY) },
        { level: 'ERROR', message: 'old', timestamp: new Date(now - 31 * DAY) },
        { level: 'INFO', message: 'recent', timestamp: new Date(now - 29 * DAY) },
        { level: 'INFO', message: 'today', timestamp: new Date(now - MINUTE) },
      ]);
      const removed = await logs.prune();
      expect(removed).toBe(2);
      const left = body(await req(u, 'GET', `${s.id}/logs`)).data.logs.map(
        (l: { message: string }) => l.message,
      );
      expect(left).toEqual(['Created as v1.0', 'today', 'recent']);
      expect(await logs.prune()).toBe(0);
    });
  });
});

describe.each(MODES)('strategy lifecycle with the default runtime (%s)', (mode) => {
  let t: TestApp;
  let events: StatusEvent[];
  const { req, create } = client(() => t);

  beforeAll(async () => {
    t = await startTestApp({ mode, env: { RATE_LIMIT_MAX: '0' } });
    events = setup(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('start is 503 FREQTRADE_NOT_INSTALLED with a hint; the status does not move and no event is emitted', async () => {
    const u = await createUser(t);
    const s = await create(u);
    const res = await req(u, 'POST', `${s.id}/start`);
    const err = expectError(res, 503, 'FREQTRADE_NOT_INSTALLED');
    expect(err.details).toEqual({ hint: expect.stringContaining('FreqTrade') });
    const after = body(await req(u, 'GET', String(s.id))).data;
    expect(after).toMatchObject({ status: 'stopped', last_error: null, last_run_at: null });
    expect(after.revision).toBe(s.revision);
    expect(events.filter((e) => e.strategyId === s.id)).toEqual([]);
    const logs = body(await req(u, 'GET', `${s.id}/logs`)).data.logs.map(
      (l: { message: string }) => l.message,
    );
    expect(logs).toEqual(['Created as v1.0']);
    // The checks that come before the runtime still answer as usual.
    expectError(await req(u, 'POST', `${s.id}/stop`), 409, 'STRATEGY_NOT_RUNNING');
    const draft = body(await req(u, 'POST', API, { name: uniqueName(), is_draft: true })).data;
    expectError(await req(u, 'POST', `${draft.id}/start`), 409, 'STRATEGY_IS_DRAFT');
    const trade = await create(u, { type: 'trade_execution' });
    expectError(await req(u, 'POST', `${trade.id}/start`), 422, 'STRATEGY_TYPE_NOT_SUPPORTED');
    expect(events).toEqual([]);
    // Everything that does not run a strategy still works.
    const upd = await req(u, 'PUT', String(s.id), { config: validConfig({ timeframe: '1h' }) });
    expect(body(upd).data).toMatchObject({ status: 'stopped', version: 'v1.1' });
    expect((await req(u, 'DELETE', String(s.id))).statusCode).toBe(200);
  });
});
