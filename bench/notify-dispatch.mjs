#!/usr/bin/env node
// Notification dispatcher (issue 7): its own cost per message, and draining a queue at a vendor's
// exact rate limit.
//
//   npx nest build                   # REQUIRED first: this measures dist/, not src/
//   node bench/notify-dispatch.mjs [--overhead 2000] [--feishu 2000] [--mode postgres|embedded]
//
// The app runs on real PostgreSQL + Redis (temporary database and key prefix) by default.
// (a) overhead: --overhead P0 signals ingested for one user whose P0 route is a generic webhook to a
//     loopback receiver (answers 204 at once; the webhook rate limit is lifted in-process for this
//     part). Per message: the dispatcher's processing (channel lookup and secret opening once per
//     channel group, rate-limit slot through Redis, verdict written with its lease check) minus the
//     HTTP send itself, plus its share of the claim (FOR UPDATE SKIP LOCKED batch) and of the
//     signals' marking (once per channel group) — i.e. everything but the vendor. Target: p99 ≤ 5 ms.
// (b) rate: --feishu P0 signals to a Feishu bot (loopback emulator verifying the sign and counting
//     any request past 5 in a sliding second or 100 in a sliding minute as a violation). They are all
//     queued first, then drained; the achieved rate is printed against the vendor's 100/min.
//     Target: zero violations, rate as close to 100/min as the limiter's safety margin allows.
//     At 100/min, 2,000 messages take 20 minutes.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Cleanup,
  adminToken,
  createDatabase,
  createStrategies,
  dist,
  fmt,
  header,
  int,
  newId,
  nowMs,
  out,
  pct,
  redisPrefix,
  runBench,
  sortNum,
  startApp,
  tempDir,
  verdict,
} from './lib/common.mjs';

const { values } = parseArgs({
  options: {
    overhead: { type: 'string', default: '2000' },
    feishu: { type: 'string', default: '2000' },
    mode: { type: 'string', default: 'postgres' },
  },
});
const OVERHEAD_N = Number(values.overhead);
const FEISHU_N = Number(values.feishu);

/** A loopback HTTP server answering with `handler(req, body)`; returns its base URL. */
async function serve(cleanup, handler) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const { status, body } = handler(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  cleanup.add('close a loopback server', () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r('closed a loopback server')));
  });
  return `http://127.0.0.1:${server.address().port}`;
}

/** Feishu bot emulator: sign check, and exact sliding-window accounting of 5/s and 100/min. */
function feishuBot(secret) {
  const arrivals = [];
  let violations = 0;
  let badSign = 0;
  return {
    arrivals,
    get violations() {
      return violations;
    },
    get badSign() {
      return badSign;
    },
    handler(_req, raw) {
      const at = Date.now();
      const body = JSON.parse(raw);
      const want = createHmac('sha256', `${body.timestamp}\n${secret}`).update('').digest('base64');
      if (body.sign !== want) {
        badSign++;
        return { status: 200, body: JSON.stringify({ code: 19021, msg: 'sign match fail' }) };
      }
      const inSecond = arrivals.filter((t) => t > at - 1000).length;
      const inMinute = arrivals.filter((t) => t > at - 60_000).length;
      if (inSecond >= 5 || inMinute >= 100) {
        violations++;
        return { status: 200, body: JSON.stringify({ code: 11232, msg: 'frequency limited' }) };
      }
      arrivals.push(at);
      return { status: 200, body: JSON.stringify({ code: 0, msg: 'success' }) };
    },
  };
}

const cleanup = new Cleanup();
await runBench(cleanup, async () => {
  header('notify-dispatch');
  const id = newId();
  const dataDir = tempDir(cleanup, 'btcw-bench-notify-');
  const pgMode = values.mode === 'postgres';
  const db = pgMode ? await createDatabase(cleanup, id) : null;
  const { app } = await startApp(cleanup, {
    dataDir,
    databaseUrl: db?.url ?? null,
    redisKeyPrefix: pgMode ? redisPrefix(cleanup, id) : null,
    // The bench drives the dispatcher itself: queue first, then drain (the planner's writes do not
    // compete with the measured sends).
    env: { NOTIFY_DISPATCHER_ENABLED: 'false', DB_POOL_MAX: '10' },
  });
  out(`mode ${values.mode}${pgMode ? ' (PostgreSQL + Redis)' : ' (embedded PGlite, in-process caches)'}`);
  const [{ SignalsService }, { NotificationDispatcher }, { ChannelRegistry }, { VENDOR_LIMITS }] =
    await Promise.all([
      dist('modules/signals/signals.service.js'),
      dist('modules/notifications/notification-dispatcher.service.js'),
      dist('infra/channels/channel-registry.js'),
      dist('infra/channels/channel.port.js'),
    ]);
  const token = await adminToken(app);
  const auth = { authorization: `Bearer ${token}` };
  const [strategyId] = await createStrategies(app, dataDir, token, ['NotifyBench'], ['BTC/USDT']);
  const put = async (url, payload) => {
    const res = await app.inject({ method: 'PUT', url, headers: auth, payload });
    if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body}`);
  };
  const ingest = app.get(SignalsService);
  const dispatcher = app.get(NotificationDispatcher);
  const registry = app.get(ChannelRegistry);
  let candle = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 24 * 3_600_000 * 400;
  const queue = async (n) => {
    for (let i = 0; i < n; i += 100) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 100); j++) {
        candle += 3_600_000;
        batch.push({
          strategyId,
          pair: 'BTC/USDT',
          exchange: 'binance',
          timeframe: '1h',
          candleTime: new Date(candle),
          kind: 'enter_long',
          strength: 95,
          price: 42_000 + j,
          indicators: { rsi: 30, macd: 1.5 },
        });
      }
      await ingest.ingest(batch);
    }
  };
  /** The planner works off events: wait until every signal has its decision written. */
  const waitPlanned = async (n, channel) => {
    for (;;) {
      const s = (await countStatus()).find((c) => c.channel === channel);
      if (s && s.pending + s.sent + s.suppressed >= n) return;
      if (process.env.BENCH_DEBUG) out(`  planned so far: ${JSON.stringify(s)}`);
      await sleep(500);
    }
  };
  const countStatus = async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/notifications/stats', headers: auth });
    return JSON.parse(res.body).data.channels;
  };

  // -------------------------------------------------------------------- (a) overhead
  out(`\n(a) dispatcher overhead, ${int(OVERHEAD_N)} messages to a loopback webhook`);
  let received = 0;
  const hookUrl = await serve(cleanup, () => {
    received++;
    return { status: 204, body: '' };
  });
  const saved = VENDOR_LIMITS.webhook;
  VENDOR_LIMITS.webhook = [{ limit: 1e9, windowMs: 1000 }];
  await put('/api/v1/notifications/channels', {
    channels: [
      {
        type: 'webhook',
        config: { url: `${hookUrl}/in`, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` },
      },
    ],
  });
  await put('/api/v1/notifications/rules', {
    routes: { P0: ['webhook'], P1: [], P2: [] },
    cooldown_seconds: 0,
    storm_threshold: 1_000_000,
  });
  const sendMs = new Map();
  const send = registry.send.bind(registry);
  registry.send = async (target, content, ctx) => {
    const t0 = nowMs();
    try {
      return await send(target, content, ctx);
    } finally {
      sendMs.set(ctx.id, nowMs() - t0);
    }
  };
  const overhead = [];
  const processOne = dispatcher.processOne.bind(dispatcher);
  dispatcher.processOne = async (row, ...rest) => {
    const t0 = nowMs();
    await processOne(row, ...rest);
    const total = nowMs() - t0;
    if (sendMs.has(row.id)) overhead.push(total - sendMs.get(row.id) + (claimShare.get(row.id) ?? 0));
  };
  const claimShare = new Map();
  const claim = dispatcher.claim.bind(dispatcher);
  dispatcher.claim = async (limit) => {
    const t0 = nowMs();
    const rows = await claim(limit);
    const share = rows.length ? (nowMs() - t0) / rows.length : 0;
    for (const r of rows) claimShare.set(r.id, share);
    return rows;
  };
  // Delivered signals are marked once per channel group; that time is spread over every message.
  let markMs = 0;
  const markNotified = ingest.markNotified.bind(ingest);
  ingest.markNotified = async (...args) => {
    const t0 = nowMs();
    try {
      return await markNotified(...args);
    } finally {
      markMs += nowMs() - t0;
    }
  };
  let started = nowMs();
  await queue(OVERHEAD_N);
  await waitPlanned(OVERHEAD_N, 'webhook');
  out(`  queued (ingest + routing decisions written) in ${fmt((nowMs() - started) / 1000)} s`);
  started = nowMs();
  while (received < OVERHEAD_N) {
    await dispatcher.drain();
    await sleep(5);
  }
  const wall = nowMs() - started;
  const markShare = overhead.length ? markMs / overhead.length : 0;
  const sorted = sortNum(overhead.map((v) => v + markShare));
  out(`  signal marking: ${fmt(markMs)} ms in all, ${fmt(markShare, 3)} ms per message (included below)`);
  out(`  drained ${int(received)} in ${fmt(wall / 1000)} s (${fmt(received / (wall / 1000), 0)} msg/s)`);
  out(
    `  per message excluding the HTTP send: p50 ${fmt(pct(sorted, 50))} ms, p95 ${fmt(pct(sorted, 95))} ms, p99 ${fmt(pct(sorted, 99))} ms, max ${fmt(sorted.at(-1))} ms  ${verdict(pct(sorted, 99), 5)}`,
  );
  const hookStats = (await countStatus()).find((c) => c.channel === 'webhook');
  out(`  history: ${JSON.stringify(hookStats)}`);
  VENDOR_LIMITS.webhook = saved;
  registry.send = send;
  dispatcher.processOne = processOne;
  dispatcher.claim = claim;
  ingest.markNotified = markNotified;

  if (FEISHU_N > 0) await feishuAtLimit();

  async function feishuAtLimit() {
    // -------------------------------------------------------------------- (b) Feishu at its limit
    out(`\n(b) ${int(FEISHU_N)} queued messages drained to one Feishu bot (vendor limit 5/s and 100/min)`);
    const secret = `bench-${id}`;
    const bot = feishuBot(secret);
    const feishuUrl = await serve(cleanup, (req, raw) => bot.handler(req, raw));
    await put('/api/v1/notifications/channels', {
      channels: [{ type: 'feishu', config: { token: `bench-${id}`, secret }, base_url: feishuUrl }],
    });
    await put('/api/v1/notifications/rules', { routes: { P0: ['feishu'], P1: [], P2: [] } });
    const deferred0 = dispatcher.counters.rateDeferred;
    const t0 = Date.now();
    await queue(FEISHU_N);
    await waitPlanned(FEISHU_N, 'feishu');
    out(`  queued in ${fmt((Date.now() - t0) / 1000)} s`);
    let last = 0;
    while (bot.arrivals.length < FEISHU_N) {
      // What the poll timer does (NOTIFY_POLL_MS), at 20 ms.
      await dispatcher.drain();
      await sleep(20);
      if (bot.arrivals.length - last >= 200) {
        last = bot.arrivals.length;
        out(`  … ${int(last)} delivered, ${fmt((Date.now() - t0) / 60_000)} min`);
      }
      if (bot.violations > 50 || bot.badSign > 0) break;
    }
    const a = bot.arrivals;
    const minutes = (a.at(-1) - a[0]) / 60_000;
    const rate = minutes > 0 ? (a.length - 1) / minutes : NaN;
    let maxSecond = 0;
    let maxMinute = 0;
    for (let i = 0; i < a.length; i++) {
      let s = 0;
      let m = 0;
      for (let j = i; j < a.length && a[j] < a[i] + 60_000; j++) {
        m++;
        if (a[j] < a[i] + 1000) s++;
      }
      maxSecond = Math.max(maxSecond, s);
      maxMinute = Math.max(maxMinute, m);
    }
    out(
      `  delivered ${int(a.length)} over ${fmt(minutes)} min: ${fmt(rate)} msg/min (vendor limit 100/min, ${fmt((rate / 100) * 100, 1)} % of it)`,
    );
    out(`  busiest sliding second ${maxSecond} (limit 5), busiest sliding minute ${maxMinute} (limit 100)`);
    out(
      `  violations answered 11232: ${bot.violations}  ${verdict(bot.violations, 0)}; bad signatures: ${bot.badSign}`,
    );
    out(
      `  rows put back for a slot (no attempt counted): ${int(dispatcher.counters.rateDeferred - deferred0)}`,
    );
    out(`  history: ${JSON.stringify((await countStatus()).find((c) => c.channel === 'feishu'))}`);
  }
});
