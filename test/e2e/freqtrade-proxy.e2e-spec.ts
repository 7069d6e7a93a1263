/**
 * A real freqtrade bot behind the proxy pool: it reaches the Binance emulator through a SOCKS5
 * proxy whose password needs percent-encoding, fails over to an HTTP proxy when that one dies
 * (config rewritten, bot reloaded, same process), keeps producing signals, and moves back.
 */
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { FreqtradeRuntime } from '../../src/modules/freqtrade/freqtrade-runtime.service.js';
import { botWorkdir } from '../../src/modules/freqtrade/bot/bot-workdir.js';
import { startBinanceEmulator } from '../emulators/binance/server.mjs';
import { startHttpProxy, startSocks5Proxy, type TestProxy } from '../emulators/proxies/proxy-servers.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { describeIfFreqtrade, FREQTRADE_BIN } from '../support/freqtrade.js';
import { PG_ADMIN_URL } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const MINUTE = 60_000;
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/strategies');
const closeAt = (openTime: number) => (Math.floor(openTime / MINUTE) % 2 === 1 ? 106 : 98);
const creds = { username: 'u$er', password: 'p@ss:w/rd%' };
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
    await sleep(500);
  }
}

describeIfFreqtrade('a running bot follows the proxy pool (real freqtrade)', () => {
  let emu: Awaited<ReturnType<typeof startBinanceEmulator>>;
  let t: TestApp;
  let user: TestUser;
  let socks: TestProxy | null = null;
  let socksPort = 0;
  let http: TestProxy;
  let strategyId: number;
  let socksId: number;
  let httpId: number;
  let pingTarget: Server;

  const api = (method: 'GET' | 'POST' | 'PUT', p: string, payload?: Record<string, unknown>) =>
    t.request({
      method,
      url: `/api/v1${p}`,
      headers: bearer(user.accessToken),
      ...(payload ? { payload } : {}),
    });

  const logLines = async (): Promise<string[]> =>
    (
      body(await api('GET', `/strategies/${strategyId}/logs?page_size=100`)).data.logs as {
        message: string;
      }[]
    ).map((l) => l.message);

  /** A signal on a candle that opened at or after `since` (the bot analysed it after the switch). */
  const signalSince = async (since: number) => {
    const res = await api('GET', `/signals?strategy_id=${strategyId}&page_size=5`);
    if (res.statusCode !== 200) throw new Error(`signals: ${res.statusCode} ${res.body}`);
    return (body(res).data.signals as { timestamp: string }[]).find((s) => Date.parse(s.timestamp) >= since);
  };
  /** Requests of the bot (to the exchange emulator) a proxy carried; our health checks go elsewhere. */
  const botTraffic = (p: TestProxy) => p.targets.filter((x) => x === emu.url.replace('http://', '')).length;

  const botPid = () => t.app.get(FreqtradeRuntime).bots.get(strategyId)?.supervisor.bot?.process.pid;

  beforeAll(async () => {
    pingTarget = createServer((_, res) => res.end('{}'));
    await new Promise<void>((r) => pingTarget.listen(0, '127.0.0.1', r));
    emu = await startBinanceEmulator({
      markets: ['BTCUSDT'],
      series: [
        { symbol: 'BTCUSDT', interval: '1m', generate: (openTime: number) => ({ close: closeAt(openTime) }) },
      ],
    });
    socks = await startSocks5Proxy(creds);
    socksPort = socks.port;
    // Without credentials: aiohttp before 3.13.3 (freqtrade 2025.8 pins 3.12) drops Proxy-Authorization
    // on a reused connection to a forward proxy (aio-libs/aiohttp#2596, fixed by #11777). That path
    // is only taken for http:// exchange URLs like the emulator's; real exchanges are https (CONNECT).
    http = await startHttpProxy();
    t = await startTestApp({
      // Real PostgreSQL when there is one: pglite-socket interleaves concurrent extended-protocol
      // queries of different connections (electric-sql/pglite#1046), which 1 s health ticks beside
      // the test's polling make likely.
      mode: PG_ADMIN_URL ? 'postgres' : 'embedded',
      env: {
        FREQTRADE_BIN: FREQTRADE_BIN!,
        EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emu.url }),
        FREQTRADE_STOP_GRACE_SECONDS: '10',
        RATE_LIMIT_MAX: '0',
        PROXY_HEALTH_TICK_SECONDS: '1',
        PROXY_RETRY_DELAY_SECONDS: '1',
        PROXY_UNHEALTHY_RECHECK_SECONDS: '5',
      },
    });
    user = await createUser(t);
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    copyFileSync(path.join(FIXTURES, 'LevelCross.py'), path.join(t.dataDir, 'strategies', 'LevelCross.py'));
    const proxy = async (payload: Record<string, unknown>) => {
      const res = await api('POST', '/proxies', {
        host: '127.0.0.1',
        test_url: `http://127.0.0.1:${(pingTarget.address() as AddressInfo).port}/api/v3/ping`,
        health_check: { interval_seconds: 30, retry_count: 1 },
        ...creds,
        ...payload,
      });
      expect(res.statusCode).toBe(201);
      return body(res).data.id as number;
    };
    socksId = await proxy({ name: 'socks', type: 'socks5', port: socksPort, priority: 1 });
    httpId = await proxy({
      name: 'http',
      type: 'http',
      port: http.port,
      priority: 2,
      username: null,
      password: null,
    });
    const res = await api('POST', '/strategies', {
      name: 'level-cross-proxied',
      config: {
        strategy_class: 'LevelCross',
        strategy_file: 'LevelCross.py',
        timeframe: '1m',
        pair_whitelist: ['BTC/USDT'],
        proxy_settings: { enabled: true, proxy_id: socksId },
      },
    });
    expect(res.statusCode).toBe(201);
    strategyId = body(res).data.id;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all([socks?.close(), http?.close(), emu?.close()]);
    pingTarget?.closeAllConnections();
    await new Promise((r) => pingTarget?.close(r));
  });

  it('runs through SOCKS5 with a password that needs percent-encoding; config.json is 0600', async () => {
    const res = await api('POST', `/strategies/${strategyId}/start`);
    expect({ status: res.statusCode, body: res.statusCode === 200 ? 'ok' : res.body }).toEqual({
      status: 200,
      body: 'ok',
    });
    await until(
      'klines through the SOCKS5 proxy',
      () => botTraffic(socks!) > 0 && emu.requests.some((r) => r.path === '/api/v3/klines'),
      60_000,
    );
    expect(botTraffic(http)).toBe(0);
    const w = botWorkdir(t.dataDir, strategyId);
    expect(statSync(w.configFile).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(readFileSync(w.configFile, 'utf8'));
    expect(cfg.exchange.ccxt_config.socksProxy).toBe(
      `socks5://u%24er:p%40ss%3Aw%2Frd%25@127.0.0.1:${socksPort}`,
    );
    expect((await logLines()).some((l) => l.includes(`proxy #${socksId} socks5://***@127.0.0.1`))).toBe(true);
    expect(JSON.stringify(await logLines())).not.toContain(creds.password);
  }, 120_000);

  it('fails over to the HTTP proxy when the SOCKS5 one dies, reloading the same process, and keeps signalling', async () => {
    const pid = botPid();
    await socks!.close();
    socks = null;
    const switched = Date.now();
    await until(
      'the switch to the HTTP proxy',
      async () => (await logLines()).find((l) => l.startsWith(`Proxy changed: proxy #${socksId}`)),
      60_000,
    );
    const line = (await logLines()).find((l) => l.startsWith(`Proxy changed: proxy #${socksId}`))!;
    expect(line).toContain(`→ proxy #${httpId} http://127.0.0.1:${http.port} (pool;`);
    expect(line).toContain('config reloaded');
    const cfg = JSON.parse(readFileSync(botWorkdir(t.dataDir, strategyId).configFile, 'utf8'));
    expect(cfg.exchange.ccxt_config).not.toHaveProperty('socksProxy');
    expect(cfg.exchange.ccxt_config.httpsProxy).toBe(`http://127.0.0.1:${http.port}`);
    await until('bot requests through the HTTP proxy', () => botTraffic(http) > 0, 60_000);
    // A candle that opened after the switch was fetched through the new proxy and signalled.
    await until(
      'a signal after the switch',
      () => signalSince(Math.ceil(switched / MINUTE) * MINUTE),
      150_000,
    ).catch(async (err: Error) => {
      const recent = emu.requests.filter((r) => r.time >= switched).map((r) => `${r.path} ${r.status}`);
      throw new Error(
        `${err.message}\nlogs:\n${(await logLines()).join('\n')}\nemulator since:\n${recent.join('\n')}`,
      );
    });
    expect(botPid()).toBe(pid);
    expect(body(await api('GET', `/strategies/${strategyId}`)).data.status).toBe('running');
  }, 240_000);

  it('moves back to its own proxy once it is healthy again', async () => {
    socks = await startSocks5Proxy(creds, { port: socksPort });
    await until(
      'the switch back',
      async () => (await logLines()).find((l) => l.startsWith(`Proxy changed: proxy #${httpId}`)),
      60_000,
    );
    const line = (await logLines()).find((l) => l.startsWith(`Proxy changed: proxy #${httpId}`))!;
    expect(line).toContain(`→ proxy #${socksId} socks5://***@127.0.0.1:${socksPort} (preferred;`);
    await until('bot requests through SOCKS5 again', () => botTraffic(socks!) > 0, 90_000);
    const stop = await api('POST', `/strategies/${strategyId}/stop`);
    expect(stop.statusCode).toBe(200);
  }, 180_000);
});
