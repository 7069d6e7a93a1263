import { Agent, ProxyAgent, Socks5ProxyAgent, request, type Dispatcher } from 'undici';
import {
  OutboundHttp,
  OutboundHttpError,
  type OutboundFailureStage,
  type OutboundRequest,
  type OutboundResponse,
} from './outbound-http.port.js';
import { redactedProxyUrl, type ProxyEndpoint } from './proxy-endpoint.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY = 5 * 1024 * 1024;

/**
 * undici with one dispatcher per proxy: ProxyAgent (CONNECT) for http/https proxies, Socks5ProxyAgent
 * for SOCKS5. Credentials are handed over as fields, never inside a URL, because undici's ProxyAgent
 * passes URL credentials on still percent-encoded (channels-reference.md §10a).
 */
export class UndiciOutboundHttp extends OutboundHttp {
  private readonly direct = new Agent({ connections: 32 });
  private readonly viaProxy = new Map<string, Dispatcher>();

  async request(req: OutboundRequest): Promise<OutboundResponse> {
    const started = performance.now();
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const res = await request(req.url, {
        method: req.method ?? 'GET',
        headers: req.headers,
        body: req.body,
        signal,
        dispatcher: req.proxy ? this.dispatcherFor(req.proxy) : this.direct,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const body = await readCapped(res.body, req.maxBodyBytes ?? DEFAULT_MAX_BODY);
      if (body === null) {
        throw new OutboundHttpError(
          'body_too_large',
          `response body above ${req.maxBodyBytes ?? DEFAULT_MAX_BODY} bytes`,
          elapsed(),
        );
      }
      return { status: res.statusCode, headers: flatHeaders(res.headers), body, latencyMs: elapsed() };
    } catch (err) {
      if (err instanceof OutboundHttpError) throw err;
      const stage: OutboundFailureStage = timeout.aborted
        ? 'timeout'
        : req.signal?.aborted
          ? 'aborted'
          : classify(err, req.proxy ?? null);
      throw new OutboundHttpError(stage, describe(stage, err, req, timeoutMs), elapsed());
    }
  }

  /** Drops a proxy's pooled connections (credentials changed, proxy deleted). */
  override async forget(proxyId: number): Promise<void> {
    for (const [key, d] of this.viaProxy) {
      if (key.startsWith(`${proxyId}|`)) {
        this.viaProxy.delete(key);
        await d.close().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.direct.close(), ...[...this.viaProxy.values()].map((d) => d.close())]).catch(
      () => undefined,
    );
    this.viaProxy.clear();
  }

  private dispatcherFor(p: ProxyEndpoint): Dispatcher {
    // Keyed by everything that shapes the connection, so an edited proxy gets a fresh dispatcher.
    const key = `${p.id ?? 'adhoc'}|${p.type}|${p.host}|${p.port}|${p.username ?? ''}|${p.password ?? ''}`;
    let d = this.viaProxy.get(key);
    if (!d) {
      d =
        p.type === 'socks5'
          ? new Socks5ProxyAgent(`socks5://${hostPort(p)}`, {
              ...(p.username ? { username: p.username, password: p.password ?? '' } : {}),
            })
          : new ProxyAgent({
              uri: `${p.type}://${hostPort(p)}`,
              ...(p.username
                ? { token: `Basic ${Buffer.from(`${p.username}:${p.password ?? ''}`).toString('base64')}` }
                : {}),
            });
      this.viaProxy.set(key, d);
    }
    return d;
  }
}

function hostPort(p: ProxyEndpoint): string {
  return `${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy?: () => void },
  max: number,
): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy?.();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function errorText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; e && i < 4; i++) {
    const x = e as { code?: string; message?: string; cause?: unknown };
    parts.push(`${x.code ?? ''} ${x.message ?? ''}`);
    e = x.cause;
  }
  return parts.join(' | ');
}

function classify(err: unknown, proxy: ProxyEndpoint | null): OutboundFailureStage {
  const text = errorText(err);
  if (proxy) {
    if (/\b407\b|auth(entication)? failed|authentication/i.test(text)) return 'proxy_auth';
    if (
      /Proxy response|tunnel|socks5?.*(connect|reply|rejected)|host unreachable|connection refused by/i.test(
        text,
      )
    ) {
      return 'tunnel';
    }
    if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT/.test(text))
      return 'proxy_connect';
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'dns';
  if (/CERT|TLS|SSL|EPROTO|self.signed/i.test(text)) return 'tls';
  if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET/.test(text))
    return 'connect';
  return 'unknown';
}

const STAGE_TEXT: Record<OutboundFailureStage, string> = {
  proxy_connect: 'could not connect to the proxy',
  proxy_auth: 'the proxy refused the credentials',
  tunnel: 'the proxy could not open a tunnel to the target',
  connect: 'could not connect to the target',
  dns: 'the target host name did not resolve',
  tls: 'TLS handshake with the target failed',
  timeout: 'timed out',
  aborted: 'aborted',
  body_too_large: 'response too large',
  unknown: 'request failed',
};

function describe(
  stage: OutboundFailureStage,
  err: unknown,
  req: OutboundRequest,
  timeoutMs: number,
): string {
  const via = req.proxy ? ` via ${redactedProxyUrl(req.proxy)}` : '';
  const target = safeTarget(req.url);
  const detail =
    stage === 'timeout'
      ? `after ${timeoutMs} ms`
      : scrub((err as { message?: string })?.message ?? '', req.proxy ?? null);
  return `${STAGE_TEXT[stage]} (${target}${via})${detail ? `: ${detail}` : ''}`;
}

/** Scheme, host and port of the target; paths and queries may carry tokens (Telegram, WeCom keys). */
function safeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'invalid URL';
  }
}

function scrub(message: string, proxy: ProxyEndpoint | null): string {
  let out = message.replace(/\/\/[^/@\s]+@/g, '//***@');
  for (const s of [proxy?.password, proxy?.username]) if (s) out = out.split(s).join('***');
  return out.slice(0, 300);
}
