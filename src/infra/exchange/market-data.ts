import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { BoundedMap } from '../../common/bounded-map.js';
import { AppException } from '../../common/errors/app.exception.js';
import { timeframeMs } from '../../common/time/timeframe.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { CACHE, type Cache } from '../cache/cache.port.js';
import { CLOCK, type Clock } from '../clock/clock.port.js';
import { ProxySelector } from '../http/proxy-selector.js';
import { Metrics } from '../metrics/metrics.js';
import { CcxtClients, exchangeError, loadCcxt, type CcxtExchange } from './ccxt-clients.js';

/** One candle as ccxt gives it: open time (ms), open, high, low, close, volume. */
export type Ohlcv = [number, number, number, number, number, number];

export interface KlineRequest {
  /** ccxt exchange id. */
  exchange: string;
  pair: string;
  timeframe: string;
  /** Open times, ms, inclusive. */
  start?: number;
  end?: number;
  limit: number;
  /** Whose proxy settings apply (null: the system's). */
  ownerId: number | null;
}

/** Candles per cache entry; entries are aligned to multiples of CHUNK × timeframe since the epoch. */
export const CHUNK = 500;
/** Closed candles are cached this long (spec §4.4: chart data 10 minutes). */
export const CLOSED_TTL_MS = 10 * 60_000;
/** An entry holding the forming candle is refreshed at most this often. */
export const FORMING_TTL_MS = 10_000;
/** Complete closed chunks kept decoded in-process (≈ 40 kB each). */
const CLOSED_MEMO = 64;
/** Forming chunks this instance fetched, kept decoded in-process until their cache entry expires. */
const FORMING_MEMO = 64;

/**
 * Klines for any exchange ccxt supports, through the proxy pool, cached through the cache port in
 * aligned chunks of CHUNK candles: a chunk whose candles have all closed is kept 10 minutes, the
 * chunk with the forming candle 10 seconds. Concurrent requests for the same chunk share one
 * exchange call (per instance). A range longer than a chunk reads several; a chunk longer than an
 * exchange page is fetched in pages.
 */
@Injectable()
export class MarketData implements OnApplicationShutdown {
  private readonly clients: CcxtClients;
  private readonly inflight = new Map<string, Promise<Ohlcv[]>>();
  /**
   * A chunk whose candles have all closed never changes: once complete it is kept here, sparing
   * the cache port's round trip and the JSON decoding of 500 candles on every chart request.
   */
  private readonly closedMemo = new BoundedMap<string, Ohlcv[]>(CLOSED_MEMO);
  /**
   * A forming chunk this instance fetched itself, until the time its cache entry expires: it is as
   * fresh as the shared copy, and a chart poll then costs no cache round trip or decoding either.
   * (One read back from the cache is not kept: its age is unknown.)
   */
  private readonly formingMemo = new BoundedMap<string, { rows: Ohlcv[]; until: number }>(FORMING_MEMO);

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly proxies: ProxySelector,
    private readonly metrics: Metrics,
  ) {
    this.clients = new CcxtClients(config.exchangeUrlOverrides, config.exchange.timeoutMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.clients.close();
  }

  /** Candles of the request, ascending by open time, at most `limit`. */
  async klines(req: KlineRequest): Promise<Ohlcv[]> {
    const tf = timeframeMs(req.timeframe);
    if (tf === null) throw new AppException('UNKNOWN_TIMEFRAME', { timeframe: req.timeframe });
    const now = this.clock.now();
    const end = Math.min(req.end ?? now, now);
    // From `start`: the first `limit` candles. Without: the last `limit` up to `end` (one spare
    // period, since month and week candles are not exactly `tf` long).
    const start = req.start ?? end - (req.limit + 1) * tf;
    if (start > end) return [];
    const to = req.start !== undefined ? Math.min(end, start + (req.limit + 1) * tf) : end;
    const first = Math.floor(start / (CHUNK * tf));
    const last = Math.floor(to / (CHUNK * tf));
    const chunks = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.chunk(req, tf, first + i, now)),
    );
    // A plain loop: Array#flat + filter over 1,000 candles was a tenth of a cached chart request.
    const rows: Ohlcv[] = [];
    for (const chunk of chunks) for (const r of chunk) if (r[0] >= start && r[0] <= to) rows.push(r);
    return req.start !== undefined ? rows.slice(0, req.limit) : rows.slice(-req.limit);
  }

  /** One aligned chunk: from the cache, or from the exchange (one call shared by concurrent asks). */
  private async chunk(req: KlineRequest, tf: number, index: number, now: number): Promise<Ohlcv[]> {
    const key = `mkt:kl:${req.exchange}:${req.pair}:${req.timeframe}:${index}`;
    const memo = this.closedMemo.get(key) ?? this.freshForming(key, now);
    if (memo) {
      this.metrics.chartCacheLookup(true);
      return memo;
    }
    const cached = await this.cache.get<Ohlcv[]>(key);
    if (cached) {
      this.metrics.chartCacheLookup(true);
      this.memoIfComplete(key, cached, tf, index, now);
      return cached;
    }
    this.metrics.chartCacheLookup(false);
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchChunk(req, tf, index, now).then(async (rows) => {
        const closed = (index + 1) * CHUNK * tf <= Math.floor(now / tf) * tf;
        await this.cache.set(key, rows, closed ? CLOSED_TTL_MS : FORMING_TTL_MS);
        this.memoIfComplete(key, rows, tf, index, now);
        if (!closed) this.formingMemo.set(key, { rows, until: now + FORMING_TTL_MS });
        return rows;
      });
      this.inflight.set(key, pending);
      void pending.catch(() => undefined).finally(() => this.inflight.delete(key));
    }
    return pending;
  }

  /**
   * Keeps a chunk that has closed and holds its last candle. A cached copy written while the chunk
   * was still forming lacks its last candles and is not kept; neither is the chunk of a pair that
   * stopped trading (it never completes), which stays with the cache port's TTL.
   */
  private memoIfComplete(key: string, rows: Ohlcv[], tf: number, index: number, now: number): void {
    const chunkEnd = (index + 1) * CHUNK * tf;
    if (chunkEnd > Math.floor(now / tf) * tf || rows.at(-1)?.[0] !== chunkEnd - tf) return;
    this.closedMemo.set(key, rows);
  }

  private freshForming(key: string, now: number): Ohlcv[] | undefined {
    const e = this.formingMemo.get(key);
    if (!e) return undefined;
    if (e.until > now) return e.rows;
    this.formingMemo.delete(key);
    return undefined;
  }

  private async fetchChunk(req: KlineRequest, tf: number, index: number, now: number): Promise<Ohlcv[]> {
    const ex = await this.exchange(req);
    const chunkStart = index * CHUNK * tf;
    const chunkEnd = chunkStart + CHUNK * tf;
    const out: Ohlcv[] = [];
    let since = chunkStart;
    // Exchanges cap pages differently (Binance 1000, others 100–500): page until the chunk ends,
    // the exchange has nothing more, or the forming candle arrived.
    while (since < chunkEnd && since <= now) {
      const want = Math.min(CHUNK, Math.ceil((chunkEnd - since) / tf));
      const rows = await this.call(req.exchange, () => ex.fetchOHLCV(req.pair, req.timeframe, since, want));
      const inRange = rows.filter((r) => r[0]! >= since && r[0]! < chunkEnd) as Ohlcv[];
      if (!inRange.length) break;
      out.push(...inRange.map((r) => r.slice(0, 6).map(Number) as Ohlcv));
      since = inRange.at(-1)![0] + tf;
    }
    return out;
  }

  /** A client with markets loaded, after checking the pair and the timeframe. */
  private async exchange(req: KlineRequest): Promise<CcxtExchange> {
    const proxy = await this.proxies.select({ ownerId: req.ownerId, usePool: true });
    const ex = await this.clients.get(req.exchange, proxy);
    if (!ex.markets) await this.call(req.exchange, () => ex.loadMarkets());
    if (!ex.has.fetchOHLCV)
      throw new AppException('UNKNOWN_EXCHANGE', { exchange: req.exchange, reason: 'no OHLCV data' });
    if (!ex.markets?.[req.pair])
      throw new AppException('UNKNOWN_PAIR', { exchange: req.exchange, pair: req.pair });
    if (ex.timeframes && !Object.hasOwn(ex.timeframes, req.timeframe))
      throw new AppException('UNKNOWN_TIMEFRAME', {
        exchange: req.exchange,
        timeframe: req.timeframe,
        supported: Object.keys(ex.timeframes),
      });
    return ex;
  }

  /** Times the call, records its outcome and turns ccxt errors into API errors. */
  private async call<T>(exchange: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const r = await fn();
      this.metrics.exchangeRequest(exchange, 'ok', (performance.now() - started) / 1000);
      return r;
    } catch (err) {
      const mapped = exchangeError(await loadCcxt(), err, exchange);
      const outcome =
        mapped instanceof AppException
          ? mapped.code === 'EXCHANGE_TIMEOUT'
            ? 'timeout'
            : mapped.status === 400
              ? 'bad_request'
              : 'unavailable'
          : 'unavailable';
      this.metrics.exchangeRequest(exchange, outcome, (performance.now() - started) / 1000);
      throw mapped;
    }
  }
}
