#!/usr/bin/env node
// `npm run demo`: BTC Watcher with no exchange account and no services. Starts a local Binance
// emulator, installs freqtrade into the demo's DATA_DIR if needed, runs the server on the embedded
// database, creates the sample strategy (examples/strategies/EmaCrossStrength.py) and starts it as a
// real freqtrade dry-run bot, then prints every signal that arrives on the socket. Ctrl-C stops all.
//   DEMO_DATA_DIR (default ./data/demo), PORT (default 8000), FREQTRADE_BIN (skip the install)
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { io } from 'socket.io-client';
import { startBinanceEmulator } from '../test/emulators/binance/server.mjs';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.resolve(process.env.DEMO_DATA_DIR || path.join(root, 'data', 'demo'));
const port = Number(process.env.PORT || 8000);
const base = `http://127.0.0.1:${port}`;
const admin = { username: 'demo', password: 'demo-password-1' };
const say = (m) => process.stdout.write(`[demo] ${m}\n`);

if (!existsSync(path.join(root, 'dist', 'src', 'main.js'))) {
  say('no build found: run `npm ci` (or `npm run build`) first');
  process.exit(1);
}
mkdirSync(path.join(dataDir, 'strategies'), { recursive: true });

// A walk with a ~12-minute swing: the EMA crossover fires every few minutes on 1m candles.
const emu = await startBinanceEmulator({
  markets: ['BTCUSDT', 'ETHUSDT'],
  walkPeriodMs: 12 * 60_000,
  seed: 7,
});
say(`Binance emulator on ${emu.url}`);

const env = {
  ...process.env,
  DATA_DIR: dataDir,
  PORT: String(port),
  EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emu.url }),
  ADMIN_USERNAME: admin.username,
  ADMIN_PASSWORD: admin.password,
};
delete env.DATABASE_URL; // the demo always runs on the embedded database
delete env.REDIS_URL;

if (!process.env.FREQTRADE_BIN) {
  say('making sure freqtrade is installed (first run: about a minute, pip prints its progress)');
  const r = spawnSync(process.execPath, [path.join(root, 'dist/src/tools/freqtrade-install.js')], {
    env,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    say('freqtrade could not be installed (Python 3.11+ and access to PyPI are needed)');
    await emu.close();
    process.exit(1);
  }
}

const server = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], {
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
let stopping = false;
const stop = async (code = 0) => {
  if (stopping) return;
  stopping = true;
  say('stopping');
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await emu.close();
  process.exit(code);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
server.once('exit', (code) => {
  if (!stopping) {
    say(`the server exited (${code})`);
    void emu.close().then(() => process.exit(1));
  }
});

async function call(method, p, token, payload) {
  const res = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: {
      ...(payload ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: payload ? JSON.stringify(payload) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/api/v1/system/health`)).ok) break;
  } catch {
    /* not up yet */
  }
  if (i > 120) {
    say('the server did not come up');
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 500));
}
const login = await call('POST', '/auth/login', undefined, admin);
if (login.status !== 200) {
  say(
    `cannot log in as ${admin.username}: ${JSON.stringify(login.body.error)} (an older DEMO_DATA_DIR? remove it)`,
  );
  await stop(1);
}
const token = login.body.data.access_token;

copyFileSync(
  path.join(root, 'examples/strategies/EmaCrossStrength.py'),
  path.join(dataDir, 'strategies/EmaCrossStrength.py'),
);
const list = await call('GET', '/strategies?search=demo-ema-cross', token);
let strategy = list.body.data.strategies?.find((s) => s.name === 'demo-ema-cross');
if (!strategy) {
  const created = await call('POST', '/strategies', token, {
    name: 'demo-ema-cross',
    description: 'EMA 5/13 crossover with an RSI-based signal_strength, on the local Binance emulator',
    config: {
      strategy_class: 'EmaCrossStrength',
      strategy_file: 'EmaCrossStrength.py',
      exchange: 'binance',
      timeframe: '1m',
      pair_whitelist: ['BTC/USDT', 'ETH/USDT'],
    },
  });
  if (created.status !== 201) {
    say(`could not create the strategy: ${JSON.stringify(created.body.error)}`);
    await stop(1);
  }
  strategy = created.body.data;
}

const socket = io(base, { path: '/ws', transports: ['websocket'], auth: { token } });
socket.on('connect', () => say('socket.io connected on /ws; waiting for signals'));
socket.on('signal_update', (m) => {
  const s = m.data.signal;
  say(
    `signal ${s.signal_type} ${s.pair} @ ${s.price} ${s.strength_level} (${Number(s.strength_raw).toFixed(1)}) ${s.priority} — candle ${s.timestamp}${s.tag ? ` [${s.tag}]` : ''}`,
  );
});
socket.on('strategy_status_update', (m) => say(`strategy ${m.data.strategy_id} is ${m.data.status}`));
socket.on('system_alert', (m) => say(`alert (${m.data.level}): ${m.data.message}`));

if (strategy.status !== 'running') {
  say('starting the strategy as a freqtrade dry-run bot (a few seconds)');
  const started = await call('POST', `/strategies/${strategy.id}/start`, token);
  if (started.status !== 200) {
    say(`could not start it: ${JSON.stringify(started.body.error)}`);
    await stop(1);
  }
}
say(
  `running. API docs: ${base}/docs (log in as ${admin.username} / ${admin.password}); signals: ${base}/api/v1/signals`,
);
say(
  'past signals from the bot’s history arrive first, then one per crossover as candles close. Ctrl-C to stop.',
);
