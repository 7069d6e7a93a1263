import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { PlainWsServer } from './plain-ws.server.js';
import { RealtimeBus } from './realtime-bus.service.js';
import { SocketAuthService } from './socket-auth.service.js';
import { SocketIoGateway } from './socket-io.gateway.js';

/** Transport only: consumes domain events, never decides or queries anything. */
@Module({
  imports: [AuthModule],
  providers: [RealtimeBus, SocketAuthService, SocketIoGateway, PlainWsServer],
})
export class RealtimeModule {}
