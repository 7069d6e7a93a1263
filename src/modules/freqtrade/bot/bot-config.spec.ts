import { describe, expect, it } from '@jest/globals';
import { buildBotConfig, stakeCurrencyOf, type BotConfigInput } from './bot-config.js';
import { rewriteApiUrls } from './exchange-urls.js';

const input: BotConfigInput = {
  strategyId: 12,
  strategyClass: 'LevelCross',
  strategyDir: '/data/freqtrade/bots/12/strategy',
  userDataDir: '/data/freqtrade/bots/12/user_data',
  exchange: 'binance',
  pairs: ['BTC/USDT', 'ETH/USDT'],
  timeframe: '1m',
  api: { port: 18081, username: 'u', password: 'p', jwtSecret: 'j', wsToken: 'w' },
  processThrottleSeconds: 1,
  urlOverrides: { public: 'http://127.0.0.1:9901/api/v3' },
};

describe('monitor bot config', () => {
  it('is a dry run that analyses from the start and never trades', () => {
    const c = buildBotConfig(input);
    expect(c).toMatchObject({
      dry_run: true,
      initial_state: 'running',
      max_open_trades: 0,
      stake_currency: 'USDT',
      db_url: 'sqlite://',
      strategy: 'LevelCross',
      timeframe: '1m',
      pairlists: [{ method: 'StaticPairList' }],
      internals: { process_throttle_secs: 1 },
    });
    expect(c.exchange).toMatchObject({
      name: 'binance',
      enable_ws: false,
      pair_whitelist: ['BTC/USDT', 'ETH/USDT'],
    });
  });

  it('keeps the API on loopback with the generated credentials', () => {
    expect(buildBotConfig(input).api_server).toMatchObject({
      enabled: true,
      listen_ip_address: '127.0.0.1',
      listen_port: 18081,
      username: 'u',
      password: 'p',
      jwt_secret_key: 'j',
      ws_token: 'w',
    });
  });

  it('makes no outside call: no fiat conversion, telegram or webhook; spot markets only', () => {
    const c = buildBotConfig(input);
    expect(c).not.toHaveProperty('fiat_display_currency');
    expect(c).not.toHaveProperty('telegram');
    expect(c).not.toHaveProperty('webhook');
    expect(c.exchange.ccxt_config).toEqual({
      options: { fetchMarkets: { types: ['spot'] } },
      urls: { api: { public: 'http://127.0.0.1:9901/api/v3' } },
    });
  });

  it('leaves urls and timeframe out when not configured, and merges a proxy into ccxt_config', () => {
    const c = buildBotConfig({
      ...input,
      urlOverrides: null,
      timeframe: null,
      proxy: { socksProxy: 'socks5://h:1' },
    });
    expect(c).not.toHaveProperty('timeframe');
    expect(c.exchange.ccxt_config).toEqual({
      options: { fetchMarkets: { types: ['spot'] } },
      socksProxy: 'socks5://h:1',
    });
  });

  it('derives the stake currency from the pairs (futures suffix too)', () => {
    expect(stakeCurrencyOf(['ETH/BTC'])).toBe('BTC');
    expect(stakeCurrencyOf(['BTC/USDT:USDT'])).toBe('USDT');
    expect(() => stakeCurrencyOf([])).toThrow();
  });
});

describe('exchange URL overrides', () => {
  it('moves every http(s) URL to the base, keeping paths, and leaves websockets alone', () => {
    const api = {
      public: 'https://api.binance.com/api/v3',
      fapiPublic: 'https://fapi.binance.com/fapi/v1',
      fapiData: 'https://fapi.binance.com/futures/data',
      papi: 'https://papi.binance.com/papi/v1/',
      ws: { spot: 'wss://stream.binance.com:9443/ws' },
    };
    expect(rewriteApiUrls(api, 'http://127.0.0.1:9901')).toEqual({
      public: 'http://127.0.0.1:9901/api/v3',
      fapiPublic: 'http://127.0.0.1:9901/fapi/v1',
      fapiData: 'http://127.0.0.1:9901/futures/data',
      papi: 'http://127.0.0.1:9901/papi/v1',
      ws: { spot: 'wss://stream.binance.com:9443/ws' },
    });
    expect(rewriteApiUrls('https://api.kraken.com', 'http://127.0.0.1:1')).toBe('http://127.0.0.1:1');
  });
});
