/**
 * The heart of the product against real freqtrade: a strategy started through the API becomes a
 * freqtrade dry-run bot fed by the Binance emulator, and its signals reach the journal and a socket.
 * The fixture strategy LevelCross signals whenever the close crosses 100; the emulator's series
 * alternates 98 / 106 by minute, so every closed 1m candle carries exactly one known signal:
 * odd minutes (close 106) enter_long at strength 95 (strong), even minutes (98) exit_long at 60 (medium).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { io, type Socket } from 'socket.io-client';
import { Events, type SystemAlertEvent } from '../../src/common/events/event-map.js';
import { FreqtradeRuntime } from '../../src/modules/freqtrade/freqtrade-runtime.service.js';
import type { WireMessage } from '../../src/modules/realtime/realtime-message.js';
import { startBinanceEmulator } from '../emulators/binance/server.mjs';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { describeIfFreqtrade, FREQTRADE_BIN } from '../support/freqtrade.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const MINUTE = 60_000;
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/strategies');
const closeAt = (openTime: number) => (Math.floor(openTime / MINUTE) % 2 === 1 ? 106 : 98);

interface StoredSignal {
  id: string;
  timestamp: string;
  kind: string;
  signal_type: string;
  strength_raw: number;
  strength_level: string;
  priority: string;
  price: number;
  tag: string | null;
  indicators: Record<string, number | null>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms: number,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describeIfFreqtrade('FreqTrade runtime (real freqtrade, Binance emulator)', () => {
  let emu: Awaited<ReturnType<typeof startBinanceEmulator>>;
  let t: TestApp;
  let user: TestUser;
  let url: string;
  let socket: Socket;
  const received: WireMessage[] = [];
  const alerts: SystemAlertEvent[] = [];
  let strategyId: number;

  const api = (method: 'GET' | 'POST', p: string, payload?: Record<string, unknown>) =>
    t.request({
      method,
      url: `/api/v1${p}`,
      headers: bearer(user.accessToken),
      ...(payload ? { payload } : {}),
    });

  const allSignals = async (): Promise<StoredSignal[]> => {
    const out: StoredSignal[] = [];
    let cursor: string | undefined;
    do {
      const res = await api(
        'GET',
        `/signals?strategy_id=${strategyId}&page_size=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.statusCode).toBe(200);
      const d = body(res).data;
      out.push(...(d.signals as StoredSignal[]));
      cursor = d.next_cursor ?? undefined;
    } while (cursor);
    return out;
  };

  const botPid = () => t.app.get(FreqtradeRuntime).bots.get(strategyId)?.supervisor.bot?.process.pid;
  const status = async () => body(await api('GET', `/strategies/${strategyId}`)).data.status as string;

  /** Every closed candle the bot has analysed must carry its one signal: none missing, none twice. */
  async function expectExactSignals(firstOpen: number): Promise<void> {
    // Set by the first test; without it the expected list would span the whole epoch.
    expect(firstOpen).toBeGreaterThan(Date.now() - 2 * 86_400_000);
    // Everything up to the candle that closed last: the live rows and the backfilled history arrive
    // a little apart, so the journal is polled until it holds them (or the time is up).
    const lastClosed = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
    const expected: string[] = [];
    for (let open = firstOpen; open <= lastClosed; open += MINUTE)
      expected.push(`${new Date(open).toISOString()} ${closeAt(open) === 106 ? 'enter_long' : 'exit_long'}`);
    const journal = async () =>
      (await allSignals())
        .filter((s) => Date.parse(s.timestamp) <= lastClosed)
        .map((s) => `${new Date(s.timestamp).toISOString()} ${s.kind}`)
        .sort();
    let got = await journal();
    for (
      const end = Date.now() + 40_000;
      got.length < expected.length && Date.now() < end;
      got = await journal()
    )
      await sleep(500);
    expect(got).toEqual(expected);
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
        FREQTRADE_BIN: FREQTRADE_BIN!,
        EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emu.url }),
        FREQTRADE_STOP_GRACE_SECONDS: '10',
      },
    });
    t.app.get(EventEmitter2).on(Events.SystemAlert, (e: SystemAlertEvent) => alerts.push(e));
    user = await createUser(t);
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    for (const f of ['LevelCross.py', 'BrokenSyntax.py'])
      copyFileSync(path.join(FIXTURES, f), path.join(t.dataDir, 'strategies', f));
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const a = t.app.getHttpServer().address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    socket = io(url, {
      path: '/ws',
      transports: ['websocket'],
      auth: { token: user.accessToken },
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    for (const type of ['signal_update', 'strategy_status_update', 'system_alert'])
      socket.on(type, (m: WireMessage) => received.push(m));
    const res = await api('POST', '/strategies', {
      name: 'level-cross',
      config: {
        strategy_class: 'LevelCross',
        strategy_file: 'LevelCross.py',
        timeframe: '1m',
        pair_whitelist: ['BTC/USDT'],
        exchange: 'binance',
      },
    });
    expect(res.statusCode).toBe(201);
    strategyId = body(res).data.id;
  }, 60_000);

  afterAll(async () => {
    socket?.close();
    await t?.close();
    await emu?.close();
  });

  let firstOpen = 0;

  it('starts the strategy as a real bot that reaches running', async () => {
    const res = await api('POST', `/strategies/${strategyId}/start`);
    expect({ status: res.statusCode, body: res.statusCode === 200 ? 'ok' : res.body }).toEqual({
      status: 200,
      body: 'ok',
    });
    expect(body(res).data.status).toBe('running');
    expect(alive(botPid()!)).toBe(true);
    // The bot asked the emulator for 1000 candles, the forming one last: the analysed frame's
    // first row has no previous close, so signals start at the second candle.
    // The API answers before the first loop: the candles are fetched a moment after `running`.
    const klines = await until(
      'the first klines request',
      () => emu.requests.find((r) => r.path === '/api/v3/klines'),
      30_000,
    );
    const limit = Number(klines.query.limit);
    const forming = Math.floor(klines.time / MINUTE) * MINUTE;
    firstOpen = forming - (limit - 2) * MINUTE;
    // Nothing but the endpoints the emulator serves was asked for: nothing leaked elsewhere either.
    expect(emu.requests.filter((r) => r.status === 404)).toEqual([]);
  }, 120_000);

  it('captures exactly the signals the candles imply, with strength, priority and tags', async () => {
    await expectExactSignals(firstOpen);
    const signals = await allSignals();
    const enter = signals.find((s) => s.kind === 'enter_long')!;
    const exit = signals.find((s) => s.kind === 'exit_long')!;
    expect(enter).toMatchObject({
      signal_type: 'BUY',
      strength_level: 'strong',
      priority: 'P0',
      price: 106,
      tag: 'cross_up',
    });
    expect(Number(enter.strength_raw)).toBe(95);
    expect(enter.indicators).toMatchObject({ prev_close: 98, distance: 6 });
    expect(exit).toMatchObject({
      signal_type: 'SELL',
      strength_level: 'medium',
      priority: 'P1',
      price: 98,
      tag: 'cross_down',
    });
  }, 120_000);

  it('delivers a live candle’s signal to a socket client within the candle', async () => {
    received.length = 0;
    const nextOpen = Math.floor(Date.now() / MINUTE) * MINUTE;
    const msg = await until(
      'a live signal_update',
      () =>
        received.find(
          (m) => m.type === 'signal_update' && Date.parse((m.data as any).signal.timestamp) === nextOpen,
        ),
      MINUTE + 30_000,
    );
    const deliveredAt = Date.parse(msg.timestamp);
    // The candle opened at nextOpen closed a minute later; its signal arrived before the next one closed.
    expect(deliveredAt - (nextOpen + MINUTE)).toBeLessThan(MINUTE);
    expect((msg.data as any).signal.strategy_id).toBe(strategyId);
  }, 150_000);

  it('stores the bot’s log lines with their levels, and never its credentials', async () => {
    const logs: { level: string; source: string; message: string }[] = [];
    for (let page = 1; ; page++) {
      const res = await api('GET', `/strategies/${strategyId}/logs?page_size=100&page=${page}`);
      const d = body(res);
      logs.push(...(d.data.logs as typeof logs));
      if (page >= d.pagination.total_pages) break;
    }
    expect(logs.some((l) => l.source === 'freqtrade' && /Starting worker 2025\.8/.test(l.message))).toBe(
      true,
    );
    expect(logs.some((l) => l.level === 'INFO' && /Changing state to: RUNNING/.test(l.message))).toBe(true);
    // uvicorn logs the websocket URL with its token; it is redacted before it is stored.
    expect(logs.some((l) => /message\/ws\?token=\*\*\*/.test(l.message))).toBe(true);
    const bot = JSON.parse(
      readFileSync(path.join(t.dataDir, 'freqtrade', 'bots', String(strategyId), 'config.json'), 'utf8'),
    ) as { api_server: { ws_token: string; password: string; jwt_secret_key: string } };
    const all = JSON.stringify(logs);
    for (const secret of [bot.api_server.ws_token, bot.api_server.password, bot.api_server.jwt_secret_key])
      expect(all).not.toContain(secret);
    // And the API does not hand them out either.
    expect(JSON.stringify(body(await api('GET', `/strategies/${strategyId}`)))).not.toContain(
      bot.api_server.ws_token,
    );
  });

  it('kill -9 → error, system_alert, automatic restart, and no signal lost or duplicated', async () => {
    const pid = botPid()!;
    received.length = 0;
    process.kill(pid, 'SIGKILL');
    await until('status error', async () => ((await status()) === 'error' ? true : undefined), 20_000);
    expect(alerts.some((a) => a.component === 'freqtrade' && /exited unexpectedly/.test(a.message))).toBe(
      true,
    );
    await until(
      'a system_alert on the socket',
      () => received.find((m) => m.type === 'system_alert'),
      10_000,
    );
    await until('running again', async () => ((await status()) === 'running' ? true : undefined), 90_000);
    expect(botPid()).not.toBe(pid);
    expect(alive(pid)).toBe(false);
    // Wait for a candle to close after the restart, then the journal must be exactly complete.
    const boundary = Math.ceil(Date.now() / MINUTE) * MINUTE;
    await sleep(boundary - Date.now() + 3_000);
    await expectExactSignals(firstOpen);
  }, 240_000);

  it('comes back when BTC Watcher restarts, and stopping leaves no process', async () => {
    const before = botPid()!;
    const dataDir = t.dataDir;
    // A restart of BTC Watcher: bots stop with it (no orphan) and come back with the new instance.
    await t.app.close();
    expect(alive(before)).toBe(false);
    socket.close();
    t = await startTestApp({
      mode: 'embedded',
      reuse: { dataDir },
      env: {
        FREQTRADE_BIN: FREQTRADE_BIN!,
        EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emu.url }),
        FREQTRADE_STOP_GRACE_SECONDS: '10',
      },
    });
    await until('the bot resumed', () => botPid(), 90_000);
    await until('running', async () => ((await status()) === 'running' ? true : undefined), 90_000);
    const pid = botPid()!;
    const res = await api('POST', `/strategies/${strategyId}/stop`);
    expect(res.statusCode).toBe(200);
    expect(body(res).data.status).toBe('stopped');
    expect(alive(pid)).toBe(false);
    expect(t.app.get(FreqtradeRuntime).bots.size).toBe(0);
  }, 240_000);

  it('refuses a strategy freqtrade cannot load with 422 STRATEGY_LOAD_FAILED', async () => {
    const res = await api('POST', '/strategies', {
      name: 'broken',
      config: {
        strategy_class: 'BrokenSyntax',
        strategy_file: 'BrokenSyntax.py',
        timeframe: '1m',
        pair_whitelist: ['BTC/USDT'],
      },
    });
    expect(res.statusCode).toBe(201);
    const id = body(res).data.id;
    const start = await api('POST', `/strategies/${id}/start`);
    expect(start.statusCode).toBe(422);
    expect(body(start).error.code).toBe('STRATEGY_LOAD_FAILED');
    expect(JSON.stringify(body(start).error)).toMatch(/BrokenSyntax|invalid syntax|expected ':'/);
    expect(existsSync(path.join(t.dataDir, 'freqtrade', 'bots', String(id), 'config.json'))).toBe(false);
  }, 60_000);
});
