#!/usr/bin/env node
// Candle close (exchange time) → `signal_update` on a socket.io client, over live 1m candles of a
// real freqtrade dry-run bot fed by the Binance emulator: the latency a user sees.
//
//   npx nest build                   # REQUIRED first: this measures dist/, not src/
//   node bench/candle-latency.mjs [--candles 30] [--throttle 1] [--mode postgres|embedded]
//
// The emulator (a child process) alternates the close between 98 and 106 by minute, so the fixture
// strategy test/fixtures/strategies/LevelCross.py signals on every closed candle of BTC/USDT. The app
// starts the strategy through the API (--throttle sets FREQTRADE_PROCESS_THROTTLE_SECONDS; the
// default leaves the app's default, 1 s) and a socket.io client in a worker thread takes the user's
// pushes. For each live candle — the first one closing after the bot is running, then --candles in
// all, one per minute of wall time — the latency from its close (open + 60 s by the wall clock the
// emulator serves) is split into:
//   bot loop       close → the bot's first /api/v3/klines request after it (freqtrade's throttled
//                  loop noticing the new candle; the emulator records the arrival)
//   fetch+analyse  that request → the bot's analyzed_df frame arriving at the product's BotCapture
//                  (kline download, populate_* on the dataframe, the frame on the message websocket)
//   ours           frame arrival → the client received signal_update (decoding, the journal's
//                  SignalsService.ingest, the push through socket.io)
// "bot" = the first two. Frame arrival = BotCapture.handleFrame called, via bench/lib/freqtrade.mjs
// instrumentCapture. Also shown: frame arrival → ingest() resolved; the push is emitted inside
// ingest(), so the client may receive it a little before that promise settles. With --mode postgres (default) the app runs on a
// throw-away PostgreSQL database and Redis prefix, as in production; embedded = PGlite.
//
// No target in the issue beyond "within the candle"; the figures are printed. Errors exit 1.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Cleanup,
  adminToken,
  createDatabase,
  dist,
  fmt,
  header,
  newId,
  nowMs,
  out,
  pct,
  redisPrefix,
  runBench,
  sortNum,
  startApp,
  startClients,
  tempDir,
} from './lib/common.mjs';
import {
  MINUTE,
  botEnv,
  createBotStrategy,
  epochOffset,
  frameRows,
  freqtradeBin,
  instrumentCapture,
  startEmulator,
  startStrategy,
} from './lib/freqtrade.mjs';

const { values } = parseArgs({
  options: {
    candles: { type: 'string', default: '30' },
    throttle: { type: 'string' },
    mode: { type: 'string', default: 'postgres' },
  },
});
const CANDLES = Number(values.candles);
if (!Number.isInteger(CANDLES) || CANDLES < 1 || CANDLES > 240) throw new Error('--candles must be 1..240');
if (values.throttle !== undefined && !(Number(values.throttle) > 0))
  throw new Error('--throttle must be > 0');
if (!['postgres', 'embedded'].includes(values.mode)) throw new Error('--mode must be postgres or embedded');
const GRACE_MS = 45_000; // after the last candle's close

const { BotCapture } = await dist('modules/freqtrade/capture/bot-capture.js');
const frames = [];
instrumentCapture(BotCapture, (f) => frames.push(f));

header('BTC Watcher candle close → signal_update latency benchmark (real freqtrade)');
const cleanup = new Cleanup({ deadlineMs: (CANDLES + 5) * MINUTE + GRACE_MS });
await runBench(cleanup, async () => {
  const bin = freqtradeBin();
  const emu = await startEmulator(cleanup, { preset: 'level-cross', symbols: ['BTCUSDT'] });
  const id = newId();
  const dataDir = tempDir(cleanup, 'btcw-bench-candle-');
  let db = null;
  let prefix = null;
  if (values.mode === 'postgres') {
    db = await createDatabase(cleanup, id);
    prefix = redisPrefix(cleanup, id);
  }
  const env = botEnv(
    bin,
    emu.url,
    values.throttle ? { FREQTRADE_PROCESS_THROTTLE_SECONDS: values.throttle } : {},
  );
  const { app, url, config } = await startApp(cleanup, {
    dataDir,
    databaseUrl: db?.url ?? null,
    redisKeyPrefix: prefix,
    listen: true,
    env,
  });
  out(
    `\nfreqtrade ${bin}\nemulator ${emu.url}; app ${url}, ${values.mode === 'postgres' ? `PostgreSQL ${db.name} + Redis ${prefix}` : 'embedded PGlite'}; ` +
      `process_throttle_secs ${config.freqtrade.processThrottleSeconds}`,
  );
  const token = await adminToken(app);
  const received = new Map(); // candle open time → receipt (monotonic)
  await startClients(cleanup, {
    url,
    token,
    count: 1,
    batch: 1,
    report: 'each',
    onMessage: (m) => m.type === 'recv' && !received.has(m.key) && received.set(m.key, m.at),
  });
  const strategyId = await createBotStrategy(app, token, dataDir, {
    name: 'candle-latency',
    pairs: ['BTC/USDT'],
  });
  const t0 = nowMs();
  await startStrategy(app, token, strategyId);
  out(`strategy ${strategyId} running after ${fmt((nowMs() - t0) / 1000)} s`);

  const offset = epochOffset(); // monotonic → epoch
  const firstClose = Math.ceil((Date.now() + 2000) / MINUTE) * MINUTE;
  const opens = Array.from({ length: CANDLES }, (_, i) => firstClose - MINUTE + i * MINUTE);
  out(
    `measuring ${CANDLES} live candle(s): closes ${new Date(firstClose).toISOString()} … ` +
      `${new Date(opens.at(-1) + MINUTE).toISOString()} (≈ ${fmt((opens.at(-1) + MINUTE - Date.now()) / MINUTE, 1)} min)\n`,
  );
  out('candle open (UTC)      bot loop  fetch+analyse     ours  (ingest)   total ms');

  /** The earliest analyzed frame whose last row is the candle opened at `open`. */
  const parsed = new Map();
  const frameOf = (open) => {
    for (const f of frames) {
      if (!f.analyzed || f.strategyId !== strategyId) continue;
      if (!parsed.has(f)) {
        const rows = frameRows(f.raw);
        parsed.set(f, rows?.at(-1)?.date ?? null);
      }
      if (parsed.get(f) === open) return f;
    }
    return null;
  };

  const rows = [];
  for (const open of opens) {
    const close = open + MINUTE;
    const giveUp = close + GRACE_MS;
    while (Date.now() < giveUp && !received.has(open)) await sleep(100);
    const f = frameOf(open);
    const klines = (await emu.requests()).find(
      (r) => r.path === '/api/v3/klines' && r.query.symbol === 'BTCUSDT' && r.time >= close,
    );
    const recv = received.get(open);
    if (recv === undefined || !f || f.resolvedAt === null || !klines) {
      out(
        `${new Date(open).toISOString()}  MISSING (frame ${f ? 'yes' : 'no'}, klines ${klines ? 'yes' : 'no'}, socket ${recv === undefined ? 'no' : 'yes'})`,
      );
      rows.push({ open, missing: true });
      continue;
    }
    const r = {
      open,
      loop: klines.time - close,
      fetch: f.at + offset - klines.time,
      ours: recv - f.at,
      ingest: f.resolvedAt - f.at,
      total: recv + offset - close,
    };
    rows.push(r);
    out(
      `${new Date(open).toISOString()}  ${fmt(r.loop, 0).padStart(8)}  ${fmt(r.fetch, 0).padStart(13)}  ` +
        `${fmt(r.ours).padStart(7)}  ${`(${fmt(r.ingest)})`.padStart(8)}  ${fmt(r.total, 0).padStart(9)}`,
    );
  }

  const ok = rows.filter((r) => !r.missing);
  const line = (label, key, digits = 0) => {
    const s = sortNum(ok.map((r) => r[key]));
    out(
      `  ${label.padEnd(40)} p50 ${fmt(pct(s, 50), digits).padStart(7)}   p99 ${fmt(pct(s, 99), digits).padStart(7)}   ` +
        `max ${fmt(s.at(-1), digits).padStart(7)} ms`,
    );
  };
  out(
    `\n${ok.length} of ${CANDLES} candles delivered (process_throttle_secs ${config.freqtrade.processThrottleSeconds}, ${values.mode})`,
  );
  line('candle close → signal_update (total)', 'total');
  line('  bot: close → klines request (loop)', 'loop');
  line('  bot: klines request → frame at capture', 'fetch');
  line('  ours: frame at capture → socket client', 'ours', 2);
  line('    (frame → ingest() resolved)', 'ingest', 2);
  const sum = (k) => ok.reduce((a, r) => a + r[k], 0);
  const total = sum('total');
  if (total > 0)
    out(
      `  share of the total: bot ${fmt((100 * (sum('loop') + sum('fetch'))) / total, 1)} %, ` +
        `ours ${fmt((100 * sum('ours')) / total, 2)} %`,
    );
  const late = ok.filter((r) => r.total >= MINUTE).length;
  out(`  delivered within the next candle (< 60 s): ${ok.length - late} of ${ok.length}`);
  if (ok.length < CANDLES) throw new Error(`${CANDLES - ok.length} candle(s) never reached the client`);
});
