/**
 * Rewrites every http(s) URL in ccxt's `urls.api` to `base`, keeping its path: with
 * {"binance": "http://127.0.0.1:9901"}, `https://fapi.binance.com/fapi/v1` becomes
 * `http://127.0.0.1:9901/fapi/v1`. WebSocket URLs are left alone (nothing here uses ccxt's websockets).
 * One rule for freqtrade's ccxt (Python, in the bots) and ours (JS, the market-data port).
 */
export function rewriteApiUrls(api: unknown, base: string): unknown {
  if (typeof api === 'string') {
    if (!/^https?:\/\//.test(api)) return api;
    const u = new URL(api);
    return `${base}${u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '')}${u.search}`;
  }
  if (api && typeof api === 'object' && !Array.isArray(api)) {
    return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, rewriteApiUrls(v, base)]));
  }
  return api;
}
