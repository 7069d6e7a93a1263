import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { AppException } from '../../common/errors/app.exception.js';
import { errorEnvelope, wireTimestamp } from '../../common/http/envelope.js';
import { RealtimeBus, type RealtimeTransport } from './realtime-bus.service.js';
import { wants, type MessageType, type RoutedMessage, type Subscription } from './realtime-message.js';
import { SocketAuthService } from './socket-auth.service.js';

export const PLAIN_WS_PATH = '/api/v1/ws';
const PING_INTERVAL_MS = 30_000;
const MAX_INCOMING_BYTES = 64 * 1024;

/** The seed's channel names → message types. */
const CHANNELS: Record<string, MessageType[]> = {
  signals: ['signal_update'],
  strategy_status: ['strategy_status_update'],
  system_alerts: ['system_alert'],
  tasks: ['task_progress'],
  training_job: ['training_progress', 'training_status'],
};

interface Client {
  user: AuthUser;
  subscription: Subscription;
  alive: boolean;
}

interface ClientMessage {
  type?: unknown;
  channel?: unknown;
  strategy_id?: unknown;
  pair?: unknown;
  job_id?: unknown;
}

const frame = (type: string, data: unknown) => JSON.stringify({ type, data, timestamp: wireTimestamp() });

/**
 * The same events as JSON text frames `{type, data, timestamp}` for clients without socket.io.
 * Token in `?token=` or `Authorization: Bearer`; refused before the upgrade with a 401 in the
 * error envelope. Dead peers are dropped by a ping/pong keepalive.
 */
@Injectable()
export class PlainWsServer implements RealtimeTransport, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PlainWsServer.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INCOMING_BYTES });
  private readonly clients = new Map<WebSocket, Client>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: SocketAuthService,
    bus: RealtimeBus,
  ) {
    bus.register(this);
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as import('node:http').Server | undefined;
    server?.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    this.timer = setInterval(() => this.keepalive(), PING_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const ws of this.clients.keys()) ws.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  deliver(m: RoutedMessage): void {
    let text: string | undefined;
    for (const [ws, c] of this.clients)
      if (wants(c.user.id, c.subscription, m)) ws.send((text ??= JSON.stringify(m.message)));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== PLAIN_WS_PATH) return; // socket.io's /ws, or nobody's
    const header = req.headers.authorization;
    const token =
      url.searchParams.get('token') ?? (header && /^Bearer\s+(\S+)$/i.exec(header)?.[1]) ?? undefined;
    this.auth
      .authenticate(token)
      .then((user) => this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, user)))
      .catch((err: unknown) => {
        const code = err instanceof AppException ? err.code : 'UNAUTHORIZED';
        const body = JSON.stringify(
          errorEnvelope(code, err instanceof Error ? err.message : 'Unauthorized', null, ''),
        );
        socket.end(
          `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      });
  }

  private accept(ws: WebSocket, user: AuthUser): void {
    const client: Client = { user, subscription: {}, alive: true };
    this.clients.set(ws, client);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (raw: RawData) => this.onMessage(ws, client, raw));
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', () => this.clients.delete(ws));
  }

  private onMessage(ws: WebSocket, client: Client, raw: RawData): void {
    let msg: ClientMessage;
    try {
      msg = JSON.parse(raw.toString()) as ClientMessage;
    } catch {
      return ws.send(frame('error', { code: 'INVALID_JSON', message: 'frames must be JSON' }));
    }
    if (msg.type === 'ping') return ws.send(frame('pong', null));
    if (msg.type !== 'subscribe' && msg.type !== 'unsubscribe') {
      return ws.send(
        frame('error', { code: 'VALIDATION_ERROR', message: 'type must be subscribe, unsubscribe or ping' }),
      );
    }
    const channel = typeof msg.channel === 'string' ? CHANNELS[msg.channel] : undefined;
    if (msg.channel !== undefined && !channel) {
      return ws.send(
        frame('error', {
          code: 'VALIDATION_ERROR',
          message: `channel must be one of ${Object.keys(CHANNELS).join(', ')}`,
        }),
      );
    }
    const strategyId =
      Number.isInteger(msg.strategy_id) && (msg.strategy_id as number) > 0
        ? (msg.strategy_id as number)
        : undefined;
    if (msg.strategy_id !== undefined && strategyId === undefined) {
      return ws.send(
        frame('error', { code: 'VALIDATION_ERROR', message: 'strategy_id must be a positive integer' }),
      );
    }
    const pair =
      typeof msg.pair === 'string' && /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/.test(msg.pair)
        ? msg.pair
        : undefined;
    if (msg.pair !== undefined && pair === undefined)
      return ws.send(frame('error', { code: 'VALIDATION_ERROR', message: 'pair must look like BTC/USDT' }));
    const jobId =
      Number.isInteger(msg.job_id) && (msg.job_id as number) > 0 ? (msg.job_id as number) : undefined;
    if (msg.job_id !== undefined && jobId === undefined)
      return ws.send(
        frame('error', { code: 'VALIDATION_ERROR', message: 'job_id must be a positive integer' }),
      );
    client.subscription =
      msg.type === 'subscribe'
        ? add(client.subscription, channel, strategyId, pair, jobId)
        : remove(client.subscription, channel, strategyId, pair, jobId);
    ws.send(frame('ack', { action: msg.type, subscription: client.subscription }));
  }

  private keepalive(): void {
    for (const [ws, c] of this.clients) {
      if (!c.alive) {
        this.logger.debug(`dropping unresponsive websocket of user ${c.user.id}`);
        ws.terminate();
        this.clients.delete(ws);
        continue;
      }
      c.alive = false;
      ws.ping();
    }
  }
}

const union = <T>(list: T[] | undefined, v: T | undefined) =>
  v === undefined ? list : [...new Set([...(list ?? []), v])];
const without = <T>(list: T[] | undefined, v: T | undefined) =>
  v === undefined || !list ? list : list.filter((x) => x !== v);

const unionAll = <T>(list: T[] | undefined, vs: T[] | undefined) =>
  vs === undefined ? list : [...new Set([...(list ?? []), ...vs])];

/** The first subscribe to a channel (or strategy, pair, job) narrows to it; later ones widen the set. */
function add(
  s: Subscription,
  types?: MessageType[],
  strategyId?: number,
  pair?: string,
  jobId?: number,
): Subscription {
  return prune({
    types: unionAll(s.types, types),
    strategy_ids: union(s.strategy_ids, strategyId),
    pairs: union(s.pairs, pair),
    job_ids: union(s.job_ids, jobId),
  });
}

/** Unsubscribing from everything named; a bare unsubscribe resets to the whole stream. */
function remove(
  s: Subscription,
  types?: MessageType[],
  strategyId?: number,
  pair?: string,
  jobId?: number,
): Subscription {
  if (types === undefined && strategyId === undefined && pair === undefined && jobId === undefined) return {};
  return prune({
    types: types === undefined || !s.types ? s.types : s.types.filter((t) => !types.includes(t)),
    strategy_ids: without(s.strategy_ids, strategyId),
    pairs: without(s.pairs, pair),
    job_ids: without(s.job_ids, jobId),
  });
}

function prune(s: Subscription): Subscription {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as Subscription;
}
