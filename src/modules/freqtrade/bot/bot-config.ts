import type { JsonObject } from '../../../common/types/json.js';
import { proxyUrlWithCredentials, type ProxyEndpoint } from '../../../infra/http/proxy-endpoint.js';

/** Credentials of one bot's API server: random per start, kept in memory and the 0600 workdir only. */
export interface BotApiCredentials {
  port: number;
  username: string;
  password: string;
  jwtSecret: string;
  wsToken: string;
}

export interface BotConfigInput {
  strategyId: number;
  strategyClass: string;
  /** Directory holding only this strategy's source file (freqtrade imports every .py it finds there). */
  strategyDir: string;
  userDataDir: string;
  exchange: string;
  pairs: string[];
  /** From the strategy config; null leaves the strategy's own timeframe in charge. */
  timeframe: string | null;
  api: BotApiCredentials;
  processThrottleSeconds: number;
  /** ccxt `urls.api` replacing the exchange's hosts (EXCHANGE_URL_OVERRIDES), or null. */
  urlOverrides: JsonObject | null;
  /** ccxt proxy keys (httpsProxy / socksProxy …) once the proxy pool provides one. */
  proxy?: JsonObject | null;
}

/**
 * The ccxt_config keys that send a bot's exchange traffic through a proxy: `socksProxy` for SOCKS5
 * (`socks5://`, resolved at the proxy by python-socks), `httpsProxy` with the proxy's own scheme for
 * HTTP(S) proxies. Credentials are percent-encoded, which aiohttp and python-socks decode
 * (channels-reference.md §10c). The result holds the password: config.json is written 0600.
 */
export function ccxtProxyConfig(p: ProxyEndpoint | null): JsonObject | null {
  if (!p) return null;
  const url = proxyUrlWithCredentials(p);
  return p.type === 'socks5' ? { socksProxy: url } : { httpsProxy: url };
}

/** The quote currency all pairs share; the validator already refused mixed quotes. */
export function stakeCurrencyOf(pairs: string[]): string {
  const quote = pairs[0]?.split('/')[1]?.split(':')[0];
  if (!quote) throw new Error(`cannot tell the quote currency of ${pairs[0] ?? '(no pairs)'}`);
  return quote;
}

/**
 * freqtrade's config for a monitor bot: dry-run, running from the first second, never entering a
 * trade (max_open_trades 0 still analyses every pair each loop — freqtrade-reference §2.5), no
 * outside calls (no fiat conversion, telegram or websocket market data), its API on loopback only.
 * Timeframe, stoploss and ROI stay the strategy's own unless the BTC Watcher config names a timeframe.
 */
export function buildBotConfig(i: BotConfigInput): JsonObject {
  const ccxtConfig: JsonObject = {};
  // Only spot markets are monitored; narrowing also keeps ccxt from loading the futures exchangeInfo.
  ccxtConfig.options = { fetchMarkets: { types: ['spot'] } };
  if (i.urlOverrides) ccxtConfig.urls = { api: i.urlOverrides };
  if (i.proxy) Object.assign(ccxtConfig, i.proxy);
  const config: JsonObject = {
    bot_name: `btcw-${i.strategyId}`,
    strategy: i.strategyClass,
    strategy_path: i.strategyDir,
    user_data_dir: i.userDataDir,
    db_url: 'sqlite://',
    dry_run: true,
    initial_state: 'running',
    max_open_trades: 0,
    stake_currency: stakeCurrencyOf(i.pairs),
    stake_amount: 'unlimited',
    entry_pricing: { price_side: 'same', use_order_book: false },
    exit_pricing: { price_side: 'same', use_order_book: false },
    exchange: {
      name: i.exchange,
      key: '',
      secret: '',
      enable_ws: false,
      pair_whitelist: i.pairs,
      pair_blacklist: [],
      only_from_ccxt: true,
      ccxt_config: ccxtConfig,
    },
    pairlists: [{ method: 'StaticPairList' }],
    api_server: {
      enabled: true,
      listen_ip_address: '127.0.0.1',
      listen_port: i.api.port,
      verbosity: 'error',
      enable_openapi: false,
      jwt_secret_key: i.api.jwtSecret,
      ws_token: i.api.wsToken,
      CORS_origins: [],
      username: i.api.username,
      password: i.api.password,
    },
    // Lets a strategy's self.dp.send_msg() reach the message websocket (logged as strategy_msg).
    apiserver: { allow_custom_messages: true },
    internals: { process_throttle_secs: i.processThrottleSeconds, heartbeat_interval: 60 },
    dataformat_ohlcv: 'feather',
    dataformat_trades: 'feather',
  };
  if (i.timeframe) config.timeframe = i.timeframe;
  return config;
}
