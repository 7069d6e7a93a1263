import type { JsonObject } from '../../../common/types/json.js';
import { proxyUrlWithCredentials, type ProxyEndpoint } from '../../../infra/http/proxy-endpoint.js';

/**
 * The one ccxt REST proxy key for a proxy (ccxt refuses more than one): the key follows the proxy's
 * own scheme, not the target's (channels-reference.md §10c). Holds credentials: config files only.
 */
export function ccxtProxyKeys(p: ProxyEndpoint): JsonObject {
  const url = proxyUrlWithCredentials(p);
  if (p.type === 'socks5') return { socksProxy: url };
  return p.type === 'https' ? { httpsProxy: url } : { httpProxy: url };
}
