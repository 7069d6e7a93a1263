// @ts-check
// A loopback Binance spot REST emulator (node:http only) for e2e tests, benches and the demo. It serves
// the public market-data endpoints ccxt's binance and freqtrade use, answers everything else with a
// Binance-style 404, and records every request so a test can prove nothing else was called.
import http from 'node:http';
import { isInterval } from './intervals.mjs';
import { MarketData, klineRow } from './market-data.mjs';
import { emptyFuturesExchangeInfo } from './markets.mjs';

/** @typedef {import('./candles.mjs').SeriesScript} SeriesScript */
/** @typedef {import('./candles.mjs').CandleInput} CandleInput */
/** @typedef {import('./candles.mjs').Kline} Kline */
/** @typedef {import('./markets.mjs').MarketConfig} MarketConfig */

/**
 * @typedef {object} EmulatorOptions
 * @property {number} [port] default 0: any free port
 * @property {string} [host] default 127.0.0.1
 * @property {(string | MarketConfig)[]} [markets] listed spot markets (default: the symbols of `series`,
 *   or BTCUSDT and ETHUSDT when both are empty)
 * @property {SeriesScript[]} [series] scripted candles; symbols without a series get a seeded random walk
 * @property {() => number} [now] the clock (default Date.now)
 * @property {number} [walkPeriodMs] main cycle of the random walks (default 40 minutes)
 * @property {number} [seed] mixed into every random walk's seed
 * @property {(request: RecordedRequest) => void} [onRequest] called once each request has been answered
 */

/**
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} path e.g. "/api/v3/klines"
 * @property {Record<string, string>} query
 * @property {number} time arrival, by the emulator's clock
 * @property {string} userAgent the client's User-Agent header ('' without one): tells a bot's calls from the app's
 * @property {number} status 0 until answered; -1 when the connection was reset on purpose
 */

/**
 * @typedef {object} FailureOptions
 * @property {number} [status] default 500
 * @property {unknown} [body] JSON-encoded unless a string (default a Binance error body)
 * @property {number} [count] how many matching requests fail (default 1)
 * @property {number} [delayMs] wait this long before answering (longer than the client's timeout = a timeout)
 * @property {boolean} [reset] destroy the connection instead of answering
 */

/** Paths the emulator answers (GET only). */
export const SERVED_PATHS = Object.freeze([
  '/api/v3/ping',
  '/api/v3/time',
  '/api/v3/exchangeInfo',
  '/api/v3/klines',
  '/api/v3/depth',
  '/api/v3/ticker/24hr',
  '/fapi/v1/exchangeInfo',
  '/dapi/v1/exchangeInfo',
]);

const KLINES_MAX = 1000;
const DEPTH_MAX = 5000;

/** A Binance error answer: `{"code": <negative>, "msg": "..."}` with an HTTP status. */
export class BinanceError extends Error {
  /**
   * @param {number} status
   * @param {number} code
   * @param {string} msg
   */
  constructor(status, code, msg) {
    super(msg);
    this.status = status;
    this.code = code;
  }
}

/** @param {string} name */
const mandatory = (name) =>
  new BinanceError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);

/**
 * @param {URLSearchParams} q
 * @param {string} name
 * @returns {number | undefined}
 */
function integerParam(q, name) {
  const raw = q.get(name);
  if (raw === null) return undefined;
  if (!/^[0-9]{1,20}$/.test(raw)) {
    throw new BinanceError(
      400,
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`,
    );
  }
  return Number(raw);
}

/**
 * `symbols=["BTCUSDT","ETHUSDT"]`, Binance's list syntax.
 * @param {string} raw
 * @returns {string[]}
 */
function symbolList(raw) {
  try {
    const list = JSON.parse(raw);
    if (Array.isArray(list) && list.length && list.every((s) => typeof s === 'string')) return list;
  } catch {
    // falls through to Binance's complaint
  }
  throw new BinanceError(
    400,
    -1100,
    'Illegal characters found in parameter \'symbols\'; legal range is \'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
  );
}

export class BinanceEmulator {
  /** Every request received, oldest first. Tests may read or clear it (`requests.length = 0`). */
  /** @type {RecordedRequest[]} */
  requests = [];
  /** @type {{ prefix: string, left: number, options: FailureOptions }[]} */
  #failures = [];
  #server = http.createServer((req, res) => this.#handle(req, res));
  /** @type {Set<NodeJS.Timeout>} */
  #timers = new Set();
  #host;
  #port;
  #down = false;
  #closed = false;
  #data;
  #onRequest;

  /** @param {EmulatorOptions} options */
  constructor(options) {
    this.#onRequest = options.onRequest;
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 0;
    this.#data = new MarketData(options);
    // ccxt and aiohttp keep connections alive; a short idle timeout keeps close() quick.
    this.#server.keepAliveTimeout = 2000;
  }

  /** Port the emulator listens on (stays the same across setDown). */
  get port() {
    return this.#port;
  }

  /** Origin, e.g. http://127.0.0.1:40123 (no trailing slash). */
  get url() {
    return `http://${this.#host.includes(':') ? `[${this.#host}]` : this.#host}:${this.#port}`;
  }

  /** Whether setDown(true) is in effect. */
  get isDown() {
    return this.#down;
  }

  /** The market data behind the endpoints (markets, series, computed bodies), for expectations. */
  get data() {
    return this.#data;
  }

  async listen() {
    await new Promise((resolve, reject) => {
      const onError = (/** @type {Error} */ err) => reject(err);
      this.#server.once('error', onError);
      this.#server.listen(this.#port, this.#host, () => {
        this.#server.off('error', onError);
        resolve(undefined);
      });
    });
    const address = this.#server.address();
    if (address && typeof address === 'object') this.#port = address.port;
  }

  /**
   * The candles /api/v3/klines would serve now.
   * @param {string} symbol
   * @param {string} interval
   * @param {{ startTime?: number, endTime?: number, limit?: number }} [query]
   * @returns {Kline[]}
   */
  klines(symbol, interval, query) {
    return this.#data.klines(symbol, interval, query);
  }

  /**
   * Replaces the series of each script's symbol and interval (a new symbol becomes a listed market).
   * @param {SeriesScript | SeriesScript[]} scripts
   */
  setSeries(scripts) {
    this.#data.setSeries(scripts);
  }

  /**
   * Adds a candle after the last one of a scripted list: it becomes the forming candle if the clock has
   * reached or passed its slot, else it appears when the clock gets there.
   * @param {string} symbol
   * @param {string} interval
   * @param {number | CandleInput} candle a close, or a candle
   * @returns {number} its open time
   */
  appendCandle(symbol, interval, candle) {
    return this.#data.appendCandle(symbol, interval, candle);
  }

  /**
   * Lists (or re-lists, replacing) a spot market.
   * @param {string | MarketConfig} market
   */
  addMarket(market) {
    return this.#data.addMarket(market);
  }

  /**
   * Makes the next `count` requests whose path starts with `pathPrefix` fail.
   * @param {string} pathPrefix e.g. "/api/v3/klines", or "/" for everything
   * @param {FailureOptions} [options]
   */
  failNext(pathPrefix, options = {}) {
    this.#failures.push({ prefix: pathPrefix, left: options.count ?? 1, options });
  }

  /** Drops failures not yet used. */
  clearFailures() {
    this.#failures = [];
  }

  /**
   * Down: the listening socket is closed and open connections destroyed, so clients get
   * ECONNREFUSED / resets. Up: listens again on the same port.
   * @param {boolean} down
   */
  async setDown(down) {
    if (this.#closed) throw new Error('emulator is closed');
    if (down === this.#down) return;
    this.#down = down;
    if (down) await this.#stop();
    else await this.listen();
  }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#down) await this.#stop();
  }

  async #stop() {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const closed = new Promise((resolve) => this.#server.close(() => resolve(undefined)));
    this.#server.closeAllConnections();
    await closed;
  }

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  #handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://emulator');
    /** @type {RecordedRequest} */
    const entry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      time: this.#data.now(),
      userAgent: req.headers['user-agent'] ?? '',
      status: 0,
    };
    this.requests.push(entry);
    const failure = this.#failures.find((f) => f.left > 0 && entry.path.startsWith(f.prefix));
    if (failure) {
      failure.left--;
      this.#failures = this.#failures.filter((f) => f.left > 0);
      const { status = 500, body, delayMs = 0, reset = false } = failure.options;
      const answer = () => {
        if (reset) {
          entry.status = -1;
          req.socket.destroy();
          this.#onRequest?.(entry);
          return;
        }
        this.#send(
          res,
          entry,
          status,
          body ?? { code: -1000, msg: 'An unknown error occurred while processing the request.' },
        );
      };
      if (delayMs > 0) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          answer();
        }, delayMs);
        this.#timers.add(timer);
      } else answer();
      return;
    }
    try {
      if (!SERVED_PATHS.includes(entry.path)) {
        throw new BinanceError(
          404,
          -1000,
          `Unknown path ${entry.path}: the emulator serves ${SERVED_PATHS.join(', ')}`,
        );
      }
      if (entry.method !== 'GET')
        throw new BinanceError(405, -1000, `${entry.method} ${entry.path} is not served`);
      this.#send(res, entry, 200, this.#route(entry.path, url.searchParams));
    } catch (err) {
      if (err instanceof BinanceError)
        this.#send(res, entry, err.status, { code: err.code, msg: err.message });
      else
        this.#send(res, entry, 500, {
          code: -1000,
          msg: `emulator error: ${/** @type {Error} */ (err).message}`,
        });
    }
  }

  /**
   * @param {string} path
   * @param {URLSearchParams} q
   * @returns {unknown}
   */
  #route(path, q) {
    const data = this.#data;
    switch (path) {
      case '/api/v3/ping':
        return {};
      case '/api/v3/time':
        return { serverTime: data.now() };
      case '/fapi/v1/exchangeInfo':
      case '/dapi/v1/exchangeInfo':
        return emptyFuturesExchangeInfo(data.now());
      case '/api/v3/exchangeInfo': {
        const symbol = q.get('symbol');
        const symbols = q.get('symbols');
        if (symbol !== null && symbols !== null) {
          throw new BinanceError(400, -1101, "Parameter 'symbol' and 'symbols' cannot be sent together.");
        }
        const wanted = symbol !== null ? [symbol] : symbols !== null ? symbolList(symbols) : undefined;
        wanted?.forEach((s) => this.#market(s));
        return data.exchangeInfo(wanted);
      }
      case '/api/v3/klines': {
        const symbol = this.#market(q.get('symbol'));
        const interval = q.get('interval');
        if (!interval) throw mandatory('interval');
        if (!isInterval(interval)) throw new BinanceError(400, -1120, 'Invalid interval.');
        const startTime = integerParam(q, 'startTime');
        const endTime = integerParam(q, 'endTime');
        if (startTime !== undefined && endTime !== undefined && startTime > endTime) {
          throw new BinanceError(400, -1023, 'Start time is greater than end time.');
        }
        const limit = integerParam(q, 'limit') ?? 500;
        if (limit < 1) throw new BinanceError(400, -1130, "Data sent for parameter 'limit' is not valid.");
        return data
          .klines(symbol, interval, { startTime, endTime, limit: Math.min(limit, KLINES_MAX) })
          .map(klineRow);
      }
      case '/api/v3/depth': {
        const symbol = this.#market(q.get('symbol'));
        const limit = integerParam(q, 'limit') ?? 100;
        if (limit < 1) throw new BinanceError(400, -1130, "Data sent for parameter 'limit' is not valid.");
        return data.depth(symbol, Math.min(limit, DEPTH_MAX));
      }
      case '/api/v3/ticker/24hr': {
        const type = q.get('type') ?? 'FULL';
        if (type !== 'FULL' && type !== 'MINI') {
          throw new BinanceError(
            400,
            -1100,
            "Illegal characters found in parameter 'type'; legal range is 'FULL, MINI'.",
          );
        }
        const symbol = q.get('symbol');
        const symbols = q.get('symbols');
        if (symbol !== null && symbols !== null) {
          throw new BinanceError(400, -1101, "Parameter 'symbol' and 'symbols' cannot be sent together.");
        }
        if (symbol !== null) return data.ticker24hr(this.#market(symbol), type);
        const wanted =
          symbols !== null ? symbolList(symbols).map((s) => this.#market(s)) : [...data.markets.keys()];
        return wanted.map((s) => data.ticker24hr(s, type));
      }
      default:
        throw new BinanceError(404, -1000, `Unknown path ${path}`);
    }
  }

  /**
   * A listed symbol, or Binance's complaint.
   * @param {string | null} symbol
   */
  #market(symbol) {
    if (!symbol) throw mandatory('symbol');
    if (!this.#data.markets.has(symbol)) throw new BinanceError(400, -1121, 'Invalid symbol.');
    return symbol;
  }

  /**
   * @param {http.ServerResponse} res
   * @param {RecordedRequest} entry
   * @param {number} status
   * @param {unknown} body
   */
  #send(res, entry, status, body) {
    entry.status = status;
    if (!res.destroyed) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json;charset=UTF-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    }
    this.#onRequest?.(entry);
  }
}

/**
 * Starts an emulator and waits until it listens.
 * @param {EmulatorOptions} [options]
 */
export async function startBinanceEmulator(options = {}) {
  const emulator = new BinanceEmulator(options);
  await emulator.listen();
  return emulator;
}
