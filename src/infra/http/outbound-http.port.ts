import type { ProxyEndpoint } from './proxy-endpoint.js';

/**
 * Every request BTC Watcher makes to the outside world (vendors, package index, exchanges) goes
 * through this port, so one place decides proxying, timeouts and how failures are named.
 */
export abstract class OutboundHttp {
  abstract request(req: OutboundRequest): Promise<OutboundResponse>;

  /** Drops pooled connections through a proxy (edited or deleted); a no-op for clients that pool nothing. */
  forget(_proxyId: number): Promise<void> {
    return Promise.resolve();
  }
}

export interface OutboundRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Whole request, connect to last body byte. Default 10 s. */
  timeoutMs?: number;
  /** null or absent: direct. */
  proxy?: ProxyEndpoint | null;
  signal?: AbortSignal;
  /** Bodies above this are cut off with an error rather than buffered. Default 5 MiB. */
  maxBodyBytes?: number;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  latencyMs: number;
}

/**
 * Where a request failed, so a user can tell a dead proxy from a wrong password from a dead target.
 * An HTTP answer of any status is not an error: callers judge statuses.
 */
export type OutboundFailureStage =
  | 'proxy_connect'
  | 'proxy_auth'
  | 'tunnel'
  | 'connect'
  | 'dns'
  | 'tls'
  | 'timeout'
  | 'aborted'
  | 'body_too_large'
  | 'unknown';

export class OutboundHttpError extends Error {
  override name = 'OutboundHttpError';
  constructor(
    readonly stage: OutboundFailureStage,
    message: string,
    readonly latencyMs: number,
  ) {
    super(message);
  }
}
