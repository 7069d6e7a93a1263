import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Server, Socket } from 'socket.io';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { AppException } from '../../common/errors/app.exception.js';
import { flattenValidationErrors } from '../../common/validation/validation.pipe.js';
import { RealtimeBus, type RealtimeTransport } from './realtime-bus.service.js';
import {
  roomsFor,
  roomsOf,
  type RoutedMessage,
  type ServerToClientEvents,
  type Subscription,
} from './realtime-message.js';
import { SocketAuthService } from './socket-auth.service.js';
import { SubscriptionDto } from './dto/subscription.dto.js';

interface SocketData {
  user: AuthUser;
  subscription: Subscription;
}
type AppSocket = Socket<Record<string, never>, ServerToClientEvents, Record<string, never>, SocketData>;

function tokenOf(socket: Socket): string | undefined {
  const fromAuth = (socket.handshake.auth as { token?: unknown }).token;
  const fromQuery = socket.handshake.query.token;
  const value =
    typeof fromAuth === 'string' ? fromAuth : typeof fromQuery === 'string' ? fromQuery : undefined;
  return value?.replace(/^Bearer\s+/i, '');
}

/**
 * socket.io on the API port under /ws: transport only. The handshake is authenticated like an
 * HTTP request; each socket sits in the rooms of its subscription (see realtime-message.ts), so an
 * emit to a message's rooms reaches exactly the right sockets. Every instance is handed every
 * message by the bus, so emits stay local: the Redis adapter (installed when Redis is configured)
 * keeps rooms and socket.io's own cross-instance operations working, but never carries a message.
 */
@WebSocketGateway({ path: '/ws', cors: { origin: true }, destroyUpgrade: false, serveClient: false })
export class SocketIoGateway implements OnGatewayInit, RealtimeTransport {
  private readonly logger = new Logger(SocketIoGateway.name);

  @WebSocketServer()
  server!: Server<Record<string, never>, ServerToClientEvents, Record<string, never>, SocketData>;

  constructor(
    private readonly auth: SocketAuthService,
    bus: RealtimeBus,
  ) {
    bus.register(this);
  }

  afterInit(server: Server): void {
    server.use((socket, next) => {
      this.auth
        .authenticate(tokenOf(socket))
        .then(async (user) => {
          const s = socket as AppSocket;
          s.data.user = user;
          s.data.subscription = {};
          await s.join(roomsFor(user.id, {}));
          next();
        })
        .catch((err: unknown) => {
          // The client's connect_error carries the code, as an HTTP error would.
          const code = err instanceof AppException ? err.code : 'UNAUTHORIZED';
          next(Object.assign(new Error(code), { data: { code } }));
        });
    });
  }

  deliver(m: RoutedMessage): void {
    // Without sockets here there is nothing to encode the packet for.
    if (!this.server.sockets.sockets.size) return;
    this.server.local.to(roomsOf(m)).emit(m.message.type, m.message as never);
  }

  /** Narrow the stream; keys left out are unfiltered. Acknowledged with the effective subscription. */
  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: AppSocket, @MessageBody() body: unknown) {
    return this.apply(socket, body, (current, next) => ({ ...current, ...next }));
  }

  /** Remove the named filters (an empty body removes them all). */
  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: AppSocket, @MessageBody() body: unknown) {
    return this.apply(socket, body, (current, next) => {
      const keys = Object.keys(next) as (keyof Subscription)[];
      if (!keys.length) return {};
      const rest = { ...current };
      for (const k of keys) delete rest[k];
      return rest;
    });
  }

  private async apply(
    socket: AppSocket,
    body: unknown,
    merge: (current: Subscription, next: Subscription) => Subscription,
  ) {
    const dto = plainToInstance(SubscriptionDto, body ?? {});
    const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length)
      return { ok: false, error: { code: 'VALIDATION_ERROR', details: flattenValidationErrors(errors) } };
    const next = merge(
      socket.data.subscription,
      Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as Subscription,
    );
    let rooms: string[];
    try {
      rooms = roomsFor(socket.data.user.id, next);
    } catch {
      return {
        ok: false,
        error: {
          code: 'VALIDATION_ERROR',
          details: [{ field: 'subscription', message: 'too many combinations' }],
        },
      };
    }
    for (const r of socket.rooms) if (r !== socket.id) await socket.leave(r);
    await socket.join(rooms);
    socket.data.subscription = next;
    this.logger.debug(
      `socket ${socket.id} of user ${socket.data.user.id} subscribed to ${JSON.stringify(next)}`,
    );
    return { ok: true, subscription: next };
  }
}
