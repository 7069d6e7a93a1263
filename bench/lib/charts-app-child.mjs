// The app under the charts benchmark, in a child process of its own (forked by bench/charts.mjs),
// as it runs in production: the measuring client's HTTP work does not share its event loop.
// argv[2] is a JSON { dataDir, redisKeyPrefix, env, timed, indicators }.
// IPC: sends { type: 'ready', url, token }; answers { type: 'profile' } with { type: 'profile',
// kline, indicators, serialise } (ms per call of the cached pair's service calls and of serialising
// their envelopes, timed in this process without HTTP); { type: 'server-times' } with the handling
// time (ms from the request event to the response flushed to the socket) of every /charts request
// since the last such message, with the collector's pauses (ms) over the same span;
// { type: 'close' } closes the app and exits.
import { PerformanceObserver } from 'node:perf_hooks';
import { Cleanup, adminToken, dist, nowMs, startApp } from './common.mjs';

const { dataDir, redisKeyPrefix, env, timed, indicators } = JSON.parse(process.argv[2]);
const cleanup = new Cleanup();
const { app, url } = await startApp(cleanup, { dataDir, listen: true, redisKeyPrefix, env });
const token = await adminToken(app);

let serverTimes = [];
app.getHttpServer().prependListener('request', (req, res) => {
  if (!req.url.startsWith('/api/v1/charts/')) return;
  const t0 = nowMs();
  res.once('finish', () => serverTimes.push(nowMs() - t0));
});
// The collector's pauses in this process over the same span, to tell its share of the tails.
let gcPauses = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push(e.duration);
}).observe({ entryTypes: ['gc'] });

async function profile() {
  const [{ ChartsService }, { serializeReply }, { successEnvelope }] = await Promise.all([
    dist('modules/charts/charts.service.js'),
    dist('common/http/reply-serializer.js'),
    dist('common/http/envelope.js'),
  ]);
  const charts = app.get(ChartsService);
  const q = { exchange: 'binance', pair: 'BTC/USDT', timeframe: '1m', limit: 500 };
  const r = { kline: [], indicators: [], serialise: [] };
  for (let i = 0; i < timed; i++) {
    let t0 = nowMs();
    const k = await charts.kline(1, q);
    r.kline.push(nowMs() - t0);
    t0 = nowMs();
    const ind = await charts.indicators(1, { ...q, indicators });
    r.indicators.push(nowMs() - t0);
    t0 = nowMs();
    serializeReply(successEnvelope(k, 'bench'));
    serializeReply(successEnvelope(ind, 'bench'));
    r.serialise.push(nowMs() - t0);
  }
  return r;
}

process.on('message', async (m) => {
  if (m?.type === 'profile') process.send({ type: 'profile', ...(await profile()) });
  if (m?.type === 'server-times') {
    await new Promise((resolve) => setImmediate(resolve)); // gc entries arrive asynchronously
    process.send({ type: 'server-times', times: serverTimes, gcPauses });
    serverTimes = [];
    gcPauses = [];
  }
  if (m?.type === 'close') {
    await cleanup.run();
    process.exit(0);
  }
});
// The parent going away (even by SIGKILL) ends us: no orphan app.
process.on('disconnect', () => void cleanup.run().finally(() => process.exit(0)));
process.send({ type: 'ready', url, token });
