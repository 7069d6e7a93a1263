import { Module, type OnModuleInit } from '@nestjs/common';
import { ProxySelector } from '../../infra/http/proxy-selector.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SystemLog } from './entities/system-log.entity.js';
import { HealthService } from './health.service.js';
import { PartitionMaintenanceService } from './partition-maintenance.service.js';
import { SystemController } from './system.controller.js';
import { SystemLogsService } from './system-logs.service.js';
import { SystemStatsService } from './system-stats.service.js';
import { BackupScheduler } from './backup-scheduler.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([SystemLog])],
  controllers: [SystemController],
  providers: [
    SystemLogsService,
    HealthService,
    PartitionMaintenanceService,
    SystemStatsService,
    BackupScheduler,
  ],
  exports: [SystemLogsService, HealthService, SystemStatsService],
})
export class SystemModule implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly proxies: ProxySelector,
  ) {}

  onModuleInit(): void {
    // `not_configured` until the proxy pool plugs in a source that reports its health.
    this.health.register({ name: 'proxy', check: () => this.proxies.health() });
  }
}
