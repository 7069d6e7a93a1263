import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as an emulator saw it, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Base of the vendor emulators (channels-reference.md §9): loopback, records every request, an
 * injectable clock (skew), a queue of forced replies (errors, 429, 5xx) and a latency knob.
 */
export abstract class VendorEmulator {
  readonly requests: RecordedRequest[] = [];
  /** Forced replies, used in order before the emulator's own judgement. */
  readonly nextReplies: Reply[] = [];
  latencyMs = 0;
  clockSkewMs = 0;
  private server: Server | null = null;
  url = '';

  now(): number {
    return Date.now() + this.clockSkewMs;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  protected abstract handle(r: RecordedRequest): Reply | Promise<Reply>;

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://emulator');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
    const r: RecordedRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
    };
    this.requests.push(r);
    if (this.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const reply = this.nextReplies.shift() ?? (await this.handle(r));
    res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
    res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
  }
}

/** Sliding-window counter: arrival times per key; says whether one more fits, and counts violations. */
export class SlidingWindows {
  private readonly times = new Map<string, number[]>();
  constructor(private readonly windows: { limit: number; windowMs: number }[]) {}

  /** Records an arrival; returns false (and records nothing) when it would exceed a window. */
  admit(key: string, at: number): boolean {
    const list = this.times.get(key) ?? [];
    for (const w of this.windows) {
      const inWindow = list.filter((t) => t > at - w.windowMs).length;
      if (inWindow >= w.limit) return false;
    }
    list.push(at);
    const longest = Math.max(...this.windows.map((w) => w.windowMs));
    this.times.set(
      key,
      list.filter((t) => t > at - longest),
    );
    return true;
  }
}
