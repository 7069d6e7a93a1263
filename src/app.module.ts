import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import type { EmbeddedPostgres } from './database/embedded-postgres.js';
import { CacheModule } from './infra/cache/cache.module.js';
import { CryptoModule } from './infra/crypto/crypto.module.js';
import { HttpModule } from './infra/http/http.module.js';
import { MetricsModule } from './infra/metrics/metrics.module.js';
import { AuthGuard } from './modules/auth/auth.guard.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { ChartsModule } from './modules/charts/charts.module.js';
import { InitialAdminService } from './modules/auth/initial-admin.service.js';
import { RateLimitGuard } from './modules/auth/rate-limit.guard.js';
import { DatasetsModule } from './modules/datasets/datasets.module.js';
import { EvaluationsModule } from './modules/evaluations/evaluations.module.js';
import { TrainingModule } from './modules/training/training.module.js';
import { FreqtradeModule } from './modules/freqtrade/freqtrade.module.js';
import { ProxiesModule } from './modules/proxies/proxies.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { RealtimeModule } from './modules/realtime/realtime.module.js';
import { SignalsModule } from './modules/signals/signals.module.js';
import { StrategiesModule } from './modules/strategies/strategies.module.js';
import { SystemModule } from './modules/system/system.module.js';
import { TasksModule } from './modules/tasks/tasks.module.js';
import { UsersModule } from './modules/users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, opts: { prestarted?: Promise<EmbeddedPostgres> } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CacheModule,
        CryptoModule,
        HttpModule,
        MetricsModule,
        DatabaseModule.forRoot(opts),
        EventEmitterModule.forRoot(),
        ScheduleModule.forRoot(),
        UsersModule,
        SystemModule,
        AuthModule,
        StrategiesModule,
        SignalsModule,
        RealtimeModule,
        FreqtradeModule,
        TasksModule,
        DatasetsModule,
        EvaluationsModule,
        TrainingModule,
        ProxiesModule,
        ChartsModule,
        NotificationsModule,
      ],
      providers: [
        // Only the server creates the first administrator; the CLI context does not include this.
        InitialAdminService,
        // Order matters: the rate limit applies before authentication, so floods of bad tokens are limited too.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useExisting: AuthGuard },
      ],
    };
  }
}
