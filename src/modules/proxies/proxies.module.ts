import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SystemModule } from '../system/system.module.js';
import { ProxyCheck } from './entities/proxy-check.entity.js';
import { ProxyServer } from './entities/proxy.entity.js';
import { ProxiesController } from './proxies.controller.js';
import { ProxiesService } from './proxies.service.js';
import { ProxyChecksService } from './proxy-checks.service.js';
import { ProxyHealthScheduler } from './proxy-health.scheduler.js';
import { ProxyPoolService } from './proxy-pool.service.js';

/**
 * The proxy pool: CRUD and tests, scheduled health checks with failover, and the ProxySelector
 * source every consumer asks (plugged in at init, so consumers never import this module).
 */
@Module({
  imports: [TypeOrmModule.forFeature([ProxyServer, ProxyCheck]), SystemModule],
  controllers: [ProxiesController],
  providers: [ProxiesService, ProxyChecksService, ProxyPoolService, ProxyHealthScheduler],
  exports: [ProxyPoolService, ProxyChecksService],
})
export class ProxiesModule {}
