/** A proxy as outbound clients need it: credentials already opened from the secret box. */
export type ProxyType = 'socks5' | 'http' | 'https';

export interface ProxyEndpoint {
  /** The `proxies` row it came from; null for an ad-hoc endpoint (a test before saving). */
  id: number | null;
  type: ProxyType;
  host: string;
  port: number;
  username: string | null;
  password: string | null;
}

/** The only form of a proxy that may reach a log line or an error message. */
export function redactedProxyUrl(p: Pick<ProxyEndpoint, 'type' | 'host' | 'port' | 'username'>): string {
  return `${p.type}://${p.username ? '***@' : ''}${hostForUrl(p.host)}:${p.port}`;
}

/**
 * A URL carrying the credentials percent-encoded, for clients that only take URLs (freqtrade's
 * ccxt_config). Secret: never log it. `socks5://` and not `socks5h://`: python-socks resolves at the
 * proxy by default and some of its versions reject the `h` scheme (channels-reference.md §10c).
 */
export function proxyUrlWithCredentials(p: ProxyEndpoint): string {
  const auth = p.username
    ? `${encodeURIComponent(p.username)}${p.password !== null ? `:${encodeURIComponent(p.password)}` : ''}@`
    : '';
  return `${p.type}://${auth}${hostForUrl(p.host)}:${p.port}`;
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
