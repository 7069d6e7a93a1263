import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Metrics } from '../../infra/metrics/metrics.js';
import { SignalsModule } from '../signals/signals.module.js';
import { StrategiesModule } from '../strategies/strategies.module.js';
import { HealthService } from '../system/health.service.js';
import { SystemModule } from '../system/system.module.js';
import { SystemStatsService } from '../system/system-stats.service.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { BotLeases } from './bot-leases.service.js';
import { BotProxyFollower } from './bot-proxy-follower.service.js';
import { BotScheduler } from './bot-scheduler.service.js';
import { BotLease } from './entities/bot-lease.entity.js';
import { FreqtradeCompatibilityCheck } from './entities/freqtrade-compatibility-check.entity.js';
import { FreqtradeInstallation } from './entities/freqtrade-installation.entity.js';
import { FreqtradeUpdateCheck } from './entities/freqtrade-update-check.entity.js';
import { FreqtradeRuntime } from './freqtrade-runtime.service.js';
import { BotHealthService, HEALTHY_SCORE } from './health/bot-health.service.js';
import { FreqtradeInstallationsService } from './install/freqtrade-installations.service.js';
import { CompatibilityCheckService } from './versions/compatibility-check.service.js';
import { FreqtradeSwitchService } from './versions/freqtrade-switch.service.js';
import { FreqtradeVersionsController } from './versions/freqtrade-versions.controller.js';
import { FreqtradeVersionsService } from './versions/freqtrade-versions.service.js';
import { RunningBotCandles } from './running-bot-candles.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      FreqtradeInstallation,
      BotLease,
      FreqtradeUpdateCheck,
      FreqtradeCompatibilityCheck,
    ]),
    StrategiesModule,
    SignalsModule,
    SystemModule,
    TasksModule,
  ],
  controllers: [FreqtradeVersionsController],
  providers: [
    FreqtradeInstallationsService,
    FreqtradeRuntime,
    BotLeases,
    BotHealthService,
    BotScheduler,
    BotProxyFollower,
    FreqtradeVersionsService,
    FreqtradeSwitchService,
    CompatibilityCheckService,
    RunningBotCandles,
  ],
  exports: [FreqtradeInstallationsService, FreqtradeRuntime, RunningBotCandles],
})
export class FreqtradeModule implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly installations: FreqtradeInstallationsService,
    private readonly bots: BotHealthService,
    private readonly metrics: Metrics,
    private readonly stats: SystemStatsService,
  ) {}

  onModuleInit(): void {
    this.metrics.watchBots(() => this.bots.samples());
    this.stats.contribute('bots', () => Promise.resolve(this.bots.summary()));
    this.health.register({
      name: 'freqtrade',
      check: async () => {
        const active = await this.installations.active();
        if (!active) return 'not_configured';
        const { unhealthy } = this.bots.summary();
        return unhealthy ? 'degraded' : 'healthy';
      },
      details: async () => {
        const active = await this.installations.active();
        const { running, unhealthy } = this.bots.summary();
        return {
          active_version: active?.version ?? null,
          source: active?.source ?? null,
          bots_running: running,
          bots_unhealthy: unhealthy,
          healthy_score_threshold: HEALTHY_SCORE,
        };
      },
    });
  }
}
