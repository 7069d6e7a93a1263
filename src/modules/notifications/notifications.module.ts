import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChannelRegistry } from '../../infra/channels/channel-registry.js';
import { SignalsModule } from '../signals/signals.module.js';
import { StrategiesModule } from '../strategies/strategies.module.js';
import { UsersModule } from '../users/users.module.js';
import { ChannelProxyUsers } from './channel-proxy-users.js';
import { DeliveryVerdicts } from './delivery-verdicts.js';
import { NotificationDecision } from './entities/notification-decision.entity.js';
import { NotificationChannelEntity } from './entities/notification-channel.entity.js';
import { NotificationRules } from './entities/notification-rules.entity.js';
import { Notification } from './entities/notification.entity.js';
import { NotificationCatchUp } from './notification-catch-up.service.js';
import { NotificationChannelsService } from './notification-channels.service.js';
import { NotificationDispatcher } from './notification-dispatcher.service.js';
import { NotificationDecisions } from './notification-decisions.js';
import { NotificationPlanner } from './notification-planner.service.js';
import { NotificationsController } from './notifications.controller.js';
import { NotificationsService } from './notifications.service.js';
import { OutboxLease } from './outbox-lease.js';
import { RateLimiter } from './rate-limiter.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      NotificationChannelEntity,
      NotificationRules,
      Notification,
      NotificationDecision,
    ]),
    SignalsModule,
    StrategiesModule,
    UsersModule,
  ],
  controllers: [NotificationsController],
  providers: [
    ChannelRegistry,
    RateLimiter,
    NotificationChannelsService,
    NotificationDecisions,
    NotificationPlanner,
    NotificationCatchUp,
    OutboxLease,
    DeliveryVerdicts,
    NotificationDispatcher,
    NotificationsService,
    ChannelProxyUsers,
  ],
  exports: [NotificationDispatcher],
})
export class NotificationsModule {}
