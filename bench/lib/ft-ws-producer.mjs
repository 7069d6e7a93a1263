// A producer speaking freqtrade's message websocket (forked by bench/capture-overhead.mjs, so its
// sending costs neither the measured process's event loop nor its CPU time): a `ws` server on
// 127.0.0.1 at /api/v1/message/ws?token=<token>, as freqtrade's API server exposes it. It accepts the
// consumer's requests (`subscribe`, `analyzed_df`), then — on { type: 'go', rate, count, base } over
// IPC — sends `count` analyzed_df text frames open-loop at `rate` per second: the captured template
// frame byte for byte, except for the candle's date, which is `base + i × 60 000` (distinct candles,
// so every row is new to the journal), and, in frames meant to carry no signal (signalEvery: 1 =
// all carry the template's signal, n = every n-th, 0 = none), the signal columns. Reports
// { type: 'request', request } for each request and { type: 'done', sent, elapsedMs, lateMs }.
//
// argv[2]: JSON { token, template } (template = the frame's text).
import { WebSocketServer } from 'ws';

const { token, template } = JSON.parse(process.argv[2]);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

// freqtrade's frame text is kept byte for byte; only the data row is rebuilt, token by token, from
// the row pandas wrote (so 98.0 stays 98.0): the date replaced, and in a frame without a signal
// the signal columns null and the tags "" (what freqtrade sends for a row without a signal).
const outer = JSON.parse(template);
const value = outer.data.df.__value__;
const quoted = JSON.stringify(value);
if (!template.includes(quoted))
  throw new Error('the template does not quote its dataframe as JSON.stringify does');
const split = JSON.parse(value);
if (split.data.length !== 1) throw new Error('the template must be a broadcast frame (one row)');
const rowStart = value.indexOf('"data":[[') + '"data":[['.length;
const rowEnd = value.lastIndexOf(']]');
const tokens = value.slice(rowStart, rowEnd).split(',');
if (
  tokens.length !== split.columns.length ||
  tokens.some((t, i) => JSON.stringify(JSON.parse(t)) !== JSON.stringify(split.data[0][i]))
)
  throw new Error('cannot split the template row into its values');
const col = (name) => split.columns.indexOf(name);
const KINDS = ['enter_long', 'exit_long', 'enter_short', 'exit_short'];
const signals = KINDS.filter((k) => split.data[0][col(k)] === 1);
if (signals.length !== 1)
  throw new Error(`the template row must carry exactly one signal, not ${signals.length}`);
const quiet = tokens.map((t, i) => {
  const name = split.columns[i];
  if (KINDS.includes(name)) return 'null';
  if (name === 'enter_tag' || name === 'exit_tag') return '""';
  return t;
});
const at = template.indexOf(quoted);
/** Frame text for candle `date`, with its one signal or none. */
function frame(date, withSignal) {
  const row = [...(withSignal ? tokens : quiet)];
  row[col('date')] = String(date);
  const v = `${value.slice(0, rowStart)}${row.join(',')}${value.slice(rowEnd)}`;
  return `${template.slice(0, at)}${JSON.stringify(v)}${template.slice(at + quoted.length)}`;
}
if (frame(split.data[0][col('date')], true) !== template)
  throw new Error('rebuilding the template changed it');

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/api/v1/message/ws' });
let client = null;

wss.on('connection', (ws, req) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.searchParams.get('token') !== token) {
    // freqtrade closes an unauthenticated consumer with 1008 (policy violation).
    ws.close(1008, 'bad token');
    return;
  }
  client = ws;
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    process.send({ type: 'request', request: msg });
  });
  ws.on('close', () => (client = null));
});

process.on('message', (msg) => {
  if (msg?.type !== 'go') return;
  const { rate, count, base, signalEvery } = msg;
  if (!client) {
    process.send({ type: 'error', message: 'no consumer connected' });
    return;
  }
  const interval = 1000 / rate;
  // signalEvery 1: every frame carries the signal; n: every n-th; 0: none.
  const frames = Array.from({ length: count }, (_, i) =>
    frame(base + i * 60_000, signalEvery > 0 && i % signalEvery === 0),
  );
  const start = nowMs();
  let i = 0;
  let lateMs = 0;
  const tick = () => {
    const now = nowMs();
    // Every frame that is due by now goes out; a timer that fired late catches up (open loop).
    while (i < count && start + i * interval <= now) {
      lateMs = Math.max(lateMs, now - (start + i * interval));
      client.send(frames[i]);
      i++;
    }
    if (i < count) setTimeout(tick, Math.max(0, start + i * interval - nowMs()));
    else process.send({ type: 'done', sent: i, elapsedMs: nowMs() - start, lateMs });
  };
  tick();
});

process.on('disconnect', () => {
  wss.close();
  process.exit(0);
});
wss.on('listening', () => process.send({ type: 'ready', port: wss.address().port }));
