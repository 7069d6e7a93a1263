import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public, SuperuserOnly } from '../../common/auth/decorators.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { HealthResponseDto } from './dto/health.response.dto.js';
import { SystemLogQueryDto } from './dto/system-log-query.dto.js';
import { SystemLogResponseDto } from './dto/system-log.response.dto.js';
import { HealthService } from './health.service.js';
import { SystemLogsService } from './system-logs.service.js';
import { SystemStatsResponseDto } from './dto/system-stats.response.dto.js';
import { SystemStatsService } from './system-stats.service.js';

@ApiTags('system')
@Controller('system')
export class SystemController {
  constructor(
    private readonly healthService: HealthService,
    private readonly logs: SystemLogsService,
    private readonly statsService: SystemStatsService,
  ) {}

  /** Liveness of the database, Redis and the other components, with host metrics. 503 when the database is down. */
  @Public()
  @Get('health')
  @ApiEnvelope(HealthResponseDto)
  @ApiErrors('DATABASE_UNAVAILABLE')
  getHealth() {
    return this.healthService.health();
  }

  /**
   * Strategies by status, bots, signals (total, 24 h, per day for 7 days), notifications and proxies,
   * database and partition sizes, cache hit ratio, event-loop lag, RSS and uptime. Database figures
   * are cached 30 s; bots, proxies and process figures are live. Superusers only (system-wide figures).
   */
  @SuperuserOnly()
  @Get('stats')
  @ApiEnvelope(SystemStatsResponseDto)
  @ApiErrors('FORBIDDEN')
  getSystemStats() {
    return this.statsService.stats();
  }

  /** Warning-and-above events and the security audit trail, newest first. Superusers only. */
  @SuperuserOnly()
  @Get('logs')
  @ApiEnvelope(SystemLogResponseDto, { paginated: 'logs' })
  @ApiErrors('FORBIDDEN')
  listSystemLogs(@Query() query: SystemLogQueryDto) {
    return this.logs.list(query);
  }
}
