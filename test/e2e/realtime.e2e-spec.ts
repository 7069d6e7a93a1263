import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { Events, type SystemAlertEvent } from '../../src/common/events/event-map.js';
import type { SignalCandidate } from '../../src/modules/signals/signal-candidate.js';
import { SignalsService } from '../../src/modules/signals/signals.service.js';
import type { WireMessage } from '../../src/modules/realtime/realtime-message.js';
import { STRATEGY_RUNTIME } from '../../src/modules/strategies/strategy-runtime.port.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { FakeStrategyRuntime } from '../support/fake-strategy-runtime.js';
import { MODES, PG_ADMIN_URL, REDIS_URL } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const SOURCE = 'class Probe(IStrategy):\n    pass\n';

async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const a = t.app.getHttpServer().address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

function connect(url: string, token?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, {
      path: '/ws',
      transports: ['websocket'],
      auth: token ? { token } : {},
      reconnection: false,
      forceNew: true,
    });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}

/** Collects every message of the given types a client receives. */
function collect(
  s: Socket,
  types = ['signal_update', 'strategy_status_update', 'system_alert'],
): WireMessage[] {
  const got: WireMessage[] = [];
  for (const t of types) s.on(t, (m: WireMessage) => got.push(m));
  return got;
}

function wsConnect(url: string, token?: string): Promise<{ ws: WebSocket; frames: Record<string, any>[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/ws${token ? `?token=${token}` : ''}`);
    const frames: Record<string, any>[] = [];
    ws.on('message', (raw) => frames.push(JSON.parse(raw.toString()) as Record<string, any>));
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
    );
    ws.once('error', reject);
  });
}

async function until<T>(probe: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 150));

async function strategyFor(t: TestApp, user: TestUser, name: string): Promise<number> {
  mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
  writeFileSync(path.join(t.dataDir, 'strategies', 'probe.py'), SOURCE);
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/strategies',
    headers: bearer(user.accessToken),
    payload: {
      name,
      config: {
        strategy_file: 'probe.py',
        strategy_class: 'Probe',
        timeframe: '5m',
        pair_whitelist: ['BTC/USDT', 'ETH/USDT'],
      },
    },
  });
  return body(res).data.id as number;
}

let hour = 0;
const candidate = (strategyId: number, pair = 'BTC/USDT'): SignalCandidate => ({
  strategyId,
  pair,
  exchange: 'binance',
  timeframe: '5m',
  candleTime: new Date(Date.UTC(2026, 0, 1) + ++hour * 300_000),
  kind: 'enter_long',
  strength: 90,
  price: 1,
});

describe.each(MODES)('realtime (%s)', (mode) => {
  let t: TestApp;
  let url: string;
  let alice: TestUser;
  let bob: TestUser;
  let a1: number;
  let a2: number;
  let b1: number;
  const runtime = new FakeStrategyRuntime();
  const open: { close(): void }[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      mode,
      env: { RATE_LIMIT_MAX: '0' },
      overrides: [{ provide: STRATEGY_RUNTIME, useValue: runtime }],
    });
    url = await listen(t);
    alice = await createUser(t);
    bob = await createUser(t);
    a1 = await strategyFor(t, alice, 'A1');
    a2 = await strategyFor(t, alice, 'A2');
    b1 = await strategyFor(t, bob, 'B1');
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  it('refuses a handshake without a token, with a bad one, and for a revoked session', async () => {
    await expect(connect(url)).rejects.toMatchObject({ message: 'UNAUTHORIZED' });
    await expect(connect(url, 'not-a-jwt')).rejects.toMatchObject({ message: 'UNAUTHORIZED' });
    const carol = await createUser(t);
    await t.request({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(carol.accessToken) });
    await expect(connect(url, carol.accessToken)).rejects.toMatchObject({ message: 'SESSION_REVOKED' });
  });

  it('pushes signal_update with the full signal to its owner only', async () => {
    const sa = await connect(url, alice.accessToken);
    const sb = await connect(url, bob.accessToken);
    open.push(sa, sb);
    const gotA = collect(sa);
    const gotB = collect(sb);
    await t.app.get(SignalsService).ingest([candidate(a1)]);
    const m = await until(() => gotA.find((x) => x.type === 'signal_update'));
    expect(m.timestamp).toMatch(/Z$/);
    const signal = (m.data as { signal: { id: string } }).signal;
    const viaHttp = body(
      await t.request({
        method: 'GET',
        url: `/api/v1/signals/${signal.id}`,
        headers: bearer(alice.accessToken),
      }),
    ).data;
    expect(signal).toEqual(viaHttp);
    await settle();
    expect(gotB).toEqual([]);
  });

  it('subscribe narrows by strategy and is acknowledged; unsubscribe widens again', async () => {
    const s = await connect(url, alice.accessToken);
    open.push(s);
    const got = collect(s);
    const ack = await s.emitWithAck('subscribe', { strategy_ids: [a2] });
    expect(ack).toEqual({ ok: true, subscription: { strategy_ids: [a2] } });
    await t.app.get(SignalsService).ingest([candidate(a1), candidate(a2)]);
    await until(() => got.length === 1);
    await settle();
    expect(got.map((m) => (m.data as { signal: { strategy_id: number } }).signal.strategy_id)).toEqual([a2]);
    const bad = await s.emitWithAck('subscribe', { strategy_ids: ['x'] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(await s.emitWithAck('unsubscribe', {})).toEqual({ ok: true, subscription: {} });
    await t.app.get(SignalsService).ingest([candidate(a1)]);
    await until(() => got.length === 2);
  });

  it('strategy_status_update follows the state machine; system_alert reaches everyone', async () => {
    const s = await connect(url, alice.accessToken);
    const other = await connect(url, bob.accessToken);
    open.push(s, other);
    const got = collect(s);
    const otherGot = collect(other);
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/api/v1/strategies/${a1}/start`,
          headers: bearer(alice.accessToken),
        })
      ).statusCode,
    ).toBe(200);
    await until(() => got.filter((m) => m.type === 'strategy_status_update').length === 2);
    expect(got.map((m) => m.data)).toEqual([
      { strategy_id: a1, status: 'starting', health_score: null },
      { strategy_id: a1, status: 'running', health_score: null },
    ]);
    const alert: SystemAlertEvent = {
      level: 'error',
      message: 'proxy down',
      component: 'proxy',
      ownerId: null,
    };
    t.app.get(EventEmitter2).emit(Events.SystemAlert, alert);
    await until(() => otherGot.some((m) => m.type === 'system_alert'));
    expect(otherGot.filter((m) => m.type === 'strategy_status_update')).toEqual([]);
    expect(otherGot.find((m) => m.type === 'system_alert')?.data).toEqual({
      level: 'error',
      message: 'proxy down',
      component: 'proxy',
    });
  });

  it('the plain WebSocket carries the same payloads, with the seed’s subscribe messages', async () => {
    await expect(wsConnect(url)).rejects.toMatchObject({ status: 401 });
    await expect(wsConnect(url, 'bogus')).rejects.toMatchObject({ status: 401 });
    const { ws, frames } = await wsConnect(url, alice.accessToken);
    open.push(ws);
    const sio = await connect(url, alice.accessToken);
    open.push(sio);
    const viaSio = collect(sio, ['signal_update']);
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'signals', strategy_id: a2 }));
    await until(() => frames.find((f) => f.type === 'ack'));
    expect(frames.find((f) => f.type === 'ack')?.data).toEqual({
      action: 'subscribe',
      subscription: { types: ['signal_update'], strategy_ids: [a2] },
    });
    await t.app.get(SignalsService).ingest([candidate(a1), candidate(a2, 'ETH/USDT')]);
    const frame = await until(() => frames.find((f) => f.type === 'signal_update'));
    await until(() => viaSio.length === 2);
    const same = viaSio.find(
      (m) => (m.data as { signal: { strategy_id: number } }).signal.strategy_id === a2,
    );
    expect(frame).toEqual(same);
    await settle();
    expect(frames.filter((f) => f.type === 'signal_update')).toHaveLength(1);
    ws.send(JSON.stringify({ type: 'ping' }));
    await until(() => frames.find((f) => f.type === 'pong'));
    ws.send('not json');
    await until(() => frames.find((f) => f.type === 'error' && f.data.code === 'INVALID_JSON'));
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'nope' }));
    await until(() => frames.find((f) => f.type === 'error' && f.data.code === 'VALIDATION_ERROR'));
  });

  it('never leaks another user’s events on the plain WebSocket either', async () => {
    const { ws, frames } = await wsConnect(url, bob.accessToken);
    open.push(ws);
    await t.app.get(SignalsService).ingest([candidate(a1)]);
    await t.app.get(SignalsService).ingest([candidate(b1)]);
    await until(() => frames.find((f) => f.type === 'signal_update'));
    await settle();
    expect(frames.filter((f) => f.type === 'signal_update').map((f) => f.data.signal.strategy_id)).toEqual([
      b1,
    ]);
  });
});

describe('examples/watch-signals.mjs', () => {
  it('connects to a running server and prints a signal_update as it is ingested', async () => {
    const t = await startTestApp({ mode: 'embedded', env: { RATE_LIMIT_MAX: '0' } });
    const child: { proc?: ChildProcess } = {};
    try {
      const url = await listen(t);
      const user = await createUser(t);
      const id = await strategyFor(t, user, 'Example');
      child.proc = spawn(process.execPath, ['examples/watch-signals.mjs'], {
        env: { ...process.env, BTCW_URL: url, BTCW_USERNAME: user.username, BTCW_PASSWORD: user.password },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      await until(() => out.includes('connected to'), 10_000);
      await t.app.get(SignalsService).ingest([candidate(id)]);
      await until(() => out.includes('BUY BTC/USDT strong (90) P0'), 5000);
      expect(out).toMatch(/Example v1\.0, pushed \d+ ms after it was stored/);
    } finally {
      child.proc?.kill();
      await t.close();
    }
  });
});

const describeTwoInstances = PG_ADMIN_URL && REDIS_URL ? describe : describe.skip;

describeTwoInstances('realtime across two instances (PostgreSQL + Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  const open: { close(): void }[] = [];

  beforeAll(async () => {
    a = await startTestApp({ mode: 'postgres', env: { RATE_LIMIT_MAX: '0' } });
    // Same database, same Redis prefix, same JWT secret: a second instance of one installation.
    b = await startTestApp({
      mode: 'postgres',
      reuse: {
        dataDir: a.dataDir,
        databaseUrl: a.config.database.mode === 'postgres' ? a.config.database.url : undefined,
      },
      env: {
        RATE_LIMIT_MAX: '0',
        JWT_SECRET: a.config.auth.jwtSecret,
        REDIS_KEY_PREFIX: a.config.redis!.keyPrefix,
      },
    });
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await b?.close();
    await a?.close();
  });

  it('a signal ingested on A reaches socket.io and plain WebSocket clients connected to B', async () => {
    const urlB = await listen(b);
    const user = await createUser(a);
    const id = await strategyFor(a, user, 'Cross');
    const s = await connect(urlB, user.accessToken);
    open.push(s);
    const got = collect(s, ['signal_update']);
    const { ws, frames } = await wsConnect(urlB, user.accessToken);
    open.push(ws);
    await a.app.get(SignalsService).ingest([candidate(id)]);
    const m = await until(() => got[0]);
    expect((m.data as { signal: { strategy_id: number } }).signal.strategy_id).toBe(id);
    const f = await until(() => frames.find((x) => x.type === 'signal_update'));
    expect(f).toEqual(m);
    await settle();
    expect(got).toHaveLength(1);
  });

  it('a batch reaches clients of both instances in candidate order, each signal exactly once', async () => {
    const urlOf = async (t: TestApp) => {
      const addr = t.app.getHttpServer().address();
      return addr && typeof addr === 'object' ? `http://127.0.0.1:${addr.port}` : listen(t);
    };
    const [urlA, urlB] = [await urlOf(a), await urlOf(b)];
    const user = await createUser(a);
    const id = await strategyFor(a, user, 'Ordered');
    const sA = await connect(urlA, user.accessToken);
    const sB = await connect(urlB, user.accessToken);
    const { ws, frames } = await wsConnect(urlB, user.accessToken);
    open.push(sA, sB, ws);
    const onA = collect(sA, ['signal_update']);
    const onB = collect(sB, ['signal_update']);
    const batch = Array.from({ length: 5 }, (_, i) => candidate(id, i % 2 ? 'ETH/USDT' : 'BTC/USDT'));
    await a.app.get(SignalsService).ingest(batch);
    const fromB = candidate(id);
    await b.app.get(SignalsService).ingest([fromB]);
    const expected = [...batch, fromB].map((c) => c.candleTime.toISOString());
    const onWs = () => frames.filter((f) => f.type === 'signal_update');
    await until(() => onA.length >= 6 && onB.length >= 6 && onWs().length >= 6);
    await settle();
    for (const got of [onA, onB, onWs()])
      expect(got.map((m) => (m.data as { signal: { timestamp: string } }).signal.timestamp)).toEqual(
        expected,
      );
  });
});
