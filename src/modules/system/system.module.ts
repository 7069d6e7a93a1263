import { Module } from '@nestjs/common';
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
// components.proxy comes from the proxy pool, which registers itself with HealthService.
export class SystemModule {}
