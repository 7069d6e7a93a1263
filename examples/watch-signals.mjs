// @ts-check
/**
 * Prints BTC Watcher's live events: `node examples/watch-signals.mjs`
 *   BTCW_URL       server base URL (default http://127.0.0.1:8000)
 *   BTCW_USERNAME  BTCW_PASSWORD   an account (default admin / the contents of data/initial-admin-password)
 *   BTCW_STRATEGY_IDS              optional, e.g. "1,2": only those strategies' events
 * Type-checked against the server's event map (npm test runs tsc over it).
 */
import { readFileSync } from 'node:fs';
import { io } from 'socket.io-client';

/** @typedef {import('../src/modules/realtime/realtime-message.js').ServerToClientEvents} ServerToClientEvents */
/** @typedef {import('../src/modules/realtime/realtime-message.js').ClientToServerEvents} ClientToServerEvents */
/** @typedef {import('../src/modules/realtime/realtime-message.js').WireMessage<'signal_update'>} SignalUpdate */

const base = process.env.BTCW_URL ?? 'http://127.0.0.1:8000';
const username = process.env.BTCW_USERNAME ?? 'admin';
const password = process.env.BTCW_PASSWORD ?? readFileSync('data/initial-admin-password', 'utf8').trim();

const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username, password }),
});
const loginBody =
  /** @type {{ success: boolean, data?: { access_token: string }, error?: { code: string } }} */ (
    await login.json()
  );
if (!loginBody.data) throw new Error(`login failed: ${loginBody.error?.code}`);

/** @type {import('socket.io-client').Socket<ServerToClientEvents, ClientToServerEvents>} */
const socket = io(base, {
  path: '/ws',
  transports: ['websocket'],
  auth: { token: loginBody.data.access_token },
});

socket.on('connect', async () => {
  console.log(`connected to ${base} as ${username}`);
  const ids = process.env.BTCW_STRATEGY_IDS?.split(',').map(Number);
  if (ids) console.log('subscription:', await socket.emitWithAck('subscribe', { strategy_ids: ids }));
});
socket.on('connect_error', (err) => {
  console.error(`refused: ${err.message}`);
  process.exit(1);
});
socket.on('signal_update', (/** @type {SignalUpdate} */ m) => {
  const s = m.data.signal;
  const lag = Date.now() - Date.parse(String(s.created_at));
  console.log(
    `${m.timestamp} ${s.signal_type} ${s.pair} ${s.strength_level} (${s.strength_raw}) ${s.priority} @ ${s.price} — ${s.strategy_name} ${s.strategy_version}, pushed ${lag} ms after it was stored`,
  );
});
socket.on('strategy_status_update', (m) =>
  console.log(
    `${m.timestamp} strategy ${m.data.strategy_id}: ${m.data.status} (health ${m.data.health_score ?? '–'})`,
  ),
);
socket.on('system_alert', (m) =>
  console.log(`${m.timestamp} ALERT ${m.data.level} [${m.data.component}] ${m.data.message}`),
);
