import { describe, expect, it } from '@jest/globals';
import { buildBotConfig, ccxtProxyConfig } from './bot-config.js';

const endpoint = (type: 'socks5' | 'http' | 'https') => ({
  id: 7,
  type,
  host: '127.0.0.1',
  port: 1080,
  username: 'u$er',
  password: 'p@ss:w/rd%',
});

describe('ccxtProxyConfig', () => {
  it('gives SOCKS5 as socksProxy socks5:// with percent-encoded credentials that decode back', () => {
    const cfg = ccxtProxyConfig(endpoint('socks5'))!;
    expect(Object.keys(cfg)).toEqual(['socksProxy']);
    const url = new URL(String(cfg.socksProxy));
    expect(url.protocol).toBe('socks5:');
    expect(decodeURIComponent(url.username)).toBe('u$er');
    expect(decodeURIComponent(url.password)).toBe('p@ss:w/rd%');
    expect(url.host).toBe('127.0.0.1:1080');
  });

  it('gives HTTP(S) proxies as httpsProxy in their own scheme', () => {
    expect(String(ccxtProxyConfig(endpoint('http'))!.httpsProxy)).toMatch(
      /^http:\/\/u%24er:p%40ss%3Aw%2Frd%25@127\.0\.0\.1:1080$/,
    );
    expect(String(ccxtProxyConfig(endpoint('https'))!.httpsProxy)).toMatch(/^https:\/\//);
  });

  it('no proxy: no keys, and the bot config carries exactly one REST proxy key when there is one', () => {
    expect(ccxtProxyConfig(null)).toBeNull();
    const cfg = buildBotConfig({
      strategyId: 1,
      strategyClass: 'S',
      strategyDir: '/s',
      userDataDir: '/u',
      exchange: 'binance',
      pairs: ['BTC/USDT'],
      timeframe: null,
      api: { port: 1, username: 'a', password: 'b', jwtSecret: 'c', wsToken: 'd' },
      processThrottleSeconds: 5,
      urlOverrides: null,
      proxy: ccxtProxyConfig(endpoint('socks5')),
    }) as { exchange: { ccxt_config: Record<string, unknown> } };
    const keys = Object.keys(cfg.exchange.ccxt_config).filter((k) => /proxy/i.test(k));
    expect(keys).toEqual(['socksProxy']);
  });
});
