import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from './config/app-config.js';
import { APP_CONFIG, ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { CacheModule } from './infra/cache/cache.module.js';
import { COUNTERS, type Counters } from './infra/cache/cache.port.js';
import { AuthGuard } from './modules/auth/auth.guard.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { InitialAdminService } from './modules/auth/initial-admin.service.js';
import { CountersThrottlerStorage } from './modules/auth/counters-throttler.storage.js';
import { SystemModule } from './modules/system/system.module.js';
import { UsersModule } from './modules/users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CacheModule,
        DatabaseModule,
        EventEmitterModule.forRoot(),
        ScheduleModule.forRoot(),
        ThrottlerModule.forRootAsync({
          inject: [APP_CONFIG, COUNTERS],
          useFactory: (c: AppConfig, counters: Counters) => ({
            throttlers: [
              { name: 'api', ttl: c.rateLimit.windowSeconds * 1000, limit: Math.max(1, c.rateLimit.max) },
            ],
            skipIf: () => c.rateLimit.max === 0,
            storage: new CountersThrottlerStorage(counters),
          }),
        }),
        UsersModule,
        SystemModule,
        AuthModule,
      ],
      providers: [
        // Only the server creates the first administrator; the CLI context does not include this.
        InitialAdminService,
        // Order matters: the rate limit applies before authentication, so floods of bad tokens are limited too.
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_GUARD, useExisting: AuthGuard },
      ],
    };
  }
}
