// socket.io clients of the realtime benchmarks, in a worker thread of their own (their own event
// loop, so client-side work does not queue behind the server's). Receipt times come from
// process.hrtime (CLOCK_MONOTONIC), which every thread and process of the machine shares.
//
// workerData: { url, token, count, batch, report: 'each' | 'all' }
//   'each': every signal_update of client 0 is posted as { type: 'recv', key, at }
//   'all':  when all `count` clients have received a signal, { type: 'all', key, first, at } is
//           posted (first / last receipt time)
// key is the signal's candle time (ms). Send { type: 'close' } to disconnect everything; the
// worker answers { type: 'closed' } and exits.
import { parentPort, workerData } from 'node:worker_threads';
import { io } from 'socket.io-client';

const { url, token, count, batch, report } = workerData;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sockets = [];
const pending = new Map(); // key → { n, first }

function connect() {
  return new Promise((resolve, reject) => {
    const s = io(url, {
      path: '/ws',
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      forceNew: true,
      timeout: 20_000,
    });
    sockets.push(s);
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => reject(err));
  });
}

function onUpdate(index) {
  return (m) => {
    const at = nowMs();
    const key = Date.parse(m.data.signal.timestamp);
    if (report === 'each') {
      if (index === 0) parentPort.postMessage({ type: 'recv', key, at });
      return;
    }
    let p = pending.get(key);
    if (!p) pending.set(key, (p = { n: 0, first: at }));
    if (++p.n === count) {
      pending.delete(key);
      parentPort.postMessage({ type: 'all', key, first: p.first, at });
    }
  };
}

parentPort.on('message', (msg) => {
  if (msg.type !== 'close') return;
  for (const s of sockets) s.close();
  parentPort.postMessage({ type: 'closed', closed: sockets.length });
  setTimeout(() => process.exit(0), 50);
});

try {
  const t0 = nowMs();
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    const got = await Promise.all(Array.from({ length: n }, () => connect()));
    got.forEach((s, j) => s.on('signal_update', onUpdate(i + j)));
  }
  const connected = sockets.filter((s) => s.connected).length;
  parentPort.postMessage({ type: 'ready', connected, connectMs: nowMs() - t0 });
} catch (err) {
  for (const s of sockets) s.close();
  parentPort.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
