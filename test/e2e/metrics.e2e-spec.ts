import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Metrics, METRIC } from '../../src/infra/metrics/metrics.js';
import type { SignalCandidate } from '../../src/modules/signals/signal-candidate.js';
import { SignalsService } from '../../src/modules/signals/signals.service.js';
import { TaskRunner } from '../../src/modules/tasks/task-runner.service.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const SOURCE = 'from freqtrade.strategy import IStrategy\n\nclass Probe(IStrategy):\n    pass\n';
const TOKEN = 'metrics-token-0123456789';
const MINUTE = 60_000;

/** The value of one sample line `name{labels} value` of the exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe.each(MODES)('GET /metrics (%s)', (mode) => {
  let t: TestApp;
  let user: TestUser;
  let strategyId: number;

  const scrape = async () => {
    const res = await t.request({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  beforeAll(async () => {
    t = await startTestApp({ mode, env: { RATE_LIMIT_MAX: '0', METRICS_TOKEN: TOKEN } });
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    writeFileSync(path.join(t.dataDir, 'strategies', 'probe.py'), SOURCE);
    user = await createUser(t);
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/strategies',
      headers: bearer(user.accessToken),
      payload: {
        name: 'Metered',
        config: {
          strategy_file: 'probe.py',
          strategy_class: 'Probe',
          timeframe: '5m',
          pair_whitelist: ['BTC/USDT'],
        },
      },
    });
    expect(res.statusCode).toBe(201);
    strategyId = body(res).data.id as number;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('needs the bearer token when METRICS_TOKEN is set', async () => {
    expect((await t.request({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await t.request({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('exposes every named metric after one signal, one notification and one task', async () => {
    // A candle that closed 2 s ago: its signal's end-to-end latency is ~2 s.
    const open = Math.floor(Date.now() / (5 * MINUTE)) * 5 * MINUTE - 5 * MINUTE;
    const candidate = (over: Partial<SignalCandidate>): SignalCandidate => ({
      strategyId,
      pair: 'BTC/USDT',
      exchange: 'binance',
      timeframe: '5m',
      candleTime: new Date(open),
      kind: 'enter_long',
      strength: 90,
      price: 42_000,
      ...over,
    });
    const signals = t.app.get(SignalsService);
    const first = await signals.ingest([candidate({}), candidate({ kind: 'exit_long', strength: 5 })]);
    expect(first).toMatchObject({ stored: 1, belowThreshold: 1 });
    expect((await signals.ingest([candidate({})])).duplicates).toBe(1);
    await new Promise((r) => setImmediate(r)); // the realtime bus flushes on the next turn

    // Notifications and proxies are recorded by their modules through the same port.
    t.app.get(Metrics).notification('feishu', 'sent', 0.12);
    t.app.get(Metrics).proxyChecked('ok', 0.05);
    const runner = t.app.get(TaskRunner);
    const task = await runner.submit({ taskName: 'test.metrics', userId: user.id }, async () => ({
      ok: true,
    }));
    expect((await runner.wait(task.id)).status).toBe('SUCCESS');
    await t.request({ method: 'GET', url: '/api/v1/system/health' });

    const text = await scrape();
    for (const name of Object.values(METRIC))
      expect({ name, listed: text.includes(`# TYPE ${name} `) }).toEqual({ name, listed: true });
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      expect({ name, listed: text.includes(`# TYPE ${name} `) }).toEqual({ name, listed: true });

    const s = { strategy_id: String(strategyId) };
    expect(sample(text, METRIC.signalsIngested, s)).toBe(1);
    expect(sample(text, METRIC.signalsDuplicate, s)).toBe(1);
    expect(sample(text, METRIC.signalsBelowThreshold, s)).toBe(1);
    expect(sample(text, `${METRIC.signalLatency}_count`, { timeframe: '5m' })).toBe(1);
    const latency = sample(text, `${METRIC.signalLatency}_sum`, { timeframe: '5m' })!;
    const closedAgo = (Date.now() - open - 5 * MINUTE) / 1000;
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThanOrEqual(closedAgo);
    expect(sample(text, METRIC.notifications, { channel: 'feishu', status: 'sent' })).toBe(1);
    expect(sample(text, `${METRIC.notificationSendDuration}_count`, { channel: 'feishu' })).toBe(1);
    expect(sample(text, METRIC.proxyChecks, { result: 'ok' })).toBe(1);
    expect(
      sample(text, `${METRIC.taskDuration}_count`, { task_name: 'test.metrics', status: 'SUCCESS' }),
    ).toBe(1);
    expect(
      sample(text, `${METRIC.httpRequestDuration}_count`, {
        method: 'GET',
        route: '/api/v1/system/health',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    // A route template, never the raw URL with ids in it.
    expect(text).toContain('route="/api/v1/strategies"');
    expect(text).not.toMatch(new RegExp(`route="[^"]*/${strategyId}"`));
  });

  it('counts unmatched routes under one label', async () => {
    await t.request({ method: 'GET', url: '/api/v1/no/such/route/123' });
    const text = await scrape();
    expect(
      sample(text, `${METRIC.httpRequestDuration}_count`, { route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('/no/such/route');
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is open', async () => {
    const res = await t.request({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`# TYPE ${METRIC.signalsIngested} counter`);
  });
});
