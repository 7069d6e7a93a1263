import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SystemLog } from './entities/system-log.entity.js';
import { HealthService } from './health.service.js';
import { PartitionMaintenanceService } from './partition-maintenance.service.js';
import { SystemController } from './system.controller.js';
import { SystemLogsService } from './system-logs.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([SystemLog])],
  controllers: [SystemController],
  providers: [SystemLogsService, HealthService, PartitionMaintenanceService],
  exports: [SystemLogsService, HealthService],
})
export class SystemModule {}
