import { AppException } from '../../common/errors/app.exception.js';
import { proxyUrlWithCredentials, type ProxyEndpoint } from '../http/proxy-endpoint.js';
import { rewriteApiUrls } from './url-overrides.js';

/** The part of a ccxt exchange the market-data port uses. */
export interface CcxtExchange {
  id: string;
  markets: Record<string, unknown> | undefined;
  timeframes: Record<string, unknown> | undefined;
  has: Record<string, unknown>;
  loadMarkets(): Promise<Record<string, unknown>>;
  fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<number[][]>;
  close?(): Promise<void>;
}

type CcxtModule = Record<string, unknown> & {
  exchanges: string[];
  BaseError: new (...a: unknown[]) => Error;
  NetworkError: new (...a: unknown[]) => Error;
  RequestTimeout: new (...a: unknown[]) => Error;
  BadSymbol: new (...a: unknown[]) => Error;
};

let ccxtModule: Promise<CcxtModule> | undefined;

/** ccxt is large (~0.6 s, ~70 MB): imported on first use, once. */
export function loadCcxt(): Promise<CcxtModule> {
  ccxtModule ??= import('ccxt').then((m) => ((m as { default?: unknown }).default ?? m) as CcxtModule);
  return ccxtModule;
}

/** A ccxt error (or ours) as the API's error: timeout 504, unknown symbol 400, anything else 502. */
export function exchangeError(ccxt: CcxtModule, err: unknown, exchange: string): AppException | unknown {
  if (err instanceof AppException) return err;
  if (err instanceof ccxt.RequestTimeout) return new AppException('EXCHANGE_TIMEOUT', { exchange });
  if (err instanceof ccxt.BadSymbol) return new AppException('UNKNOWN_PAIR', { exchange });
  if (err instanceof ccxt.BaseError) {
    // ccxt's messages carry the exchange's answer (no secrets: market data only), cut short.
    const reason = `${err.constructor.name}: ${err.message}`.slice(0, 300);
    return new AppException('EXCHANGE_UNAVAILABLE', { exchange, reason });
  }
  return err;
}

/**
 * The proxy settings for ccxt JS. HTTP(S) proxies go in `httpProxy`/`httpsProxy` (the proxy's own
 * scheme) with percent-encoded credentials, which undici decodes. A SOCKS5 proxy with credentials is
 * fronted by a local credential-free HTTP proxy (proxy-chain): ccxt JS hands socks URLs to undici's
 * ProxyAgent, which fails authentication when the password has special characters
 * (channels-reference.md §10c).
 */
async function proxySettings(
  proxy: ProxyEndpoint | null,
): Promise<{ settings: Record<string, string>; local?: string }> {
  if (!proxy) return { settings: {} };
  if (proxy.type === 'http') return { settings: { httpProxy: proxyUrlWithCredentials(proxy) } };
  if (proxy.type === 'https') return { settings: { httpsProxy: proxyUrlWithCredentials(proxy) } };
  if (!proxy.username) return { settings: { socksProxy: proxyUrlWithCredentials(proxy) } };
  // Loaded only when needed: start-up never pays for it.
  const { anonymizeProxy } = await import('proxy-chain');
  const local = await anonymizeProxy({ url: proxyUrlWithCredentials(proxy), port: 0 });
  return { settings: { httpProxy: local }, local };
}

interface Client {
  exchange: CcxtExchange;
  local?: string;
  lastUsed: number;
}

const MAX_CLIENTS = 32;

/**
 * ccxt exchange instances, one per exchange and proxy (each keeps its loaded markets and its rate
 * limiter), with EXCHANGE_URL_OVERRIDES applied to every REST URL.
 */
export class CcxtClients {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(
    private readonly overrides: Readonly<Record<string, string>>,
    private readonly timeoutMs: number,
  ) {}

  async get(exchange: string, proxy: ProxyEndpoint | null): Promise<CcxtExchange> {
    const key = `${exchange}|${proxy ? `${proxy.id}|${proxyUrlWithCredentials(proxy)}` : 'direct'}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.create(exchange, proxy);
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
      void this.evict();
    }
    const c = await client;
    c.lastUsed = Date.now();
    return c.exchange;
  }

  private async create(id: string, proxy: ProxyEndpoint | null): Promise<Client> {
    const ccxt = await loadCcxt();
    const Ctor = ccxt.exchanges.includes(id)
      ? (ccxt[id] as new (config: Record<string, unknown>) => CcxtExchange & { urls: { api: unknown } })
      : undefined;
    if (!Ctor) throw new AppException('UNKNOWN_EXCHANGE', { exchange: id });
    const { settings, local } = await proxySettings(proxy);
    const config: Record<string, unknown> = { enableRateLimit: true, timeout: this.timeoutMs, ...settings };
    const base = this.overrides[id];
    if (base) config.urls = { api: rewriteApiUrls(new Ctor({}).urls.api, base) };
    return { exchange: new Ctor(config), local, lastUsed: Date.now() };
  }

  /** Keeps at most MAX_CLIENTS, dropping the least recently used. */
  private async evict(): Promise<void> {
    if (this.clients.size <= MAX_CLIENTS) return;
    const settled = await Promise.all(
      [...this.clients].map(async ([k, p]) => [k, await p.catch(() => null)] as const),
    );
    const victims = settled
      .filter((e): e is readonly [string, Client] => e[1] !== null)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed)
      .slice(0, this.clients.size - MAX_CLIENTS);
    for (const [k, c] of victims) {
      this.clients.delete(k);
      await this.dispose(c);
    }
  }

  private async dispose(c: Client): Promise<void> {
    await c.exchange.close?.().catch(() => undefined);
    if (c.local) {
      const { closeAnonymizedProxy } = await import('proxy-chain');
      await closeAnonymizedProxy(c.local, true).catch(() => false);
    }
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const p of all) {
      const c = await p.catch(() => null);
      if (c) await this.dispose(c);
    }
  }
}
