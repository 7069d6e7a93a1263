import { Body, Controller, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { IdPipe } from '../../common/validation/id.pipe.js';
import { StrategiesService } from './strategies.service.js';
import { StrategyVersionsService } from './strategy-versions.service.js';
import { PutSourceDto } from './dto/put-source.dto.js';
import { StrategyLogResponseDto } from './dto/strategy-log.response.dto.js';
import { StrategyLogsQueryDto } from './dto/strategy-logs.query.dto.js';
import { StrategyResponseDto } from './dto/strategy.response.dto.js';
import {
  StrategySourceResponseDto,
  StrategyVersionListDto,
  StrategyVersionResponseDto,
} from './dto/strategy-version.response.dto.js';
import { VersionParamDto } from './dto/version-param.dto.js';

@ApiTags('strategies')
@Controller('strategies/:id')
export class StrategyVersionsController {
  constructor(
    private readonly versions: StrategyVersionsService,
    private readonly strategies: StrategiesService,
  ) {}

  /** Every version, newest first. */
  @Get('versions')
  @ApiEnvelope(StrategyVersionListDto)
  @ApiErrors('STRATEGY_NOT_FOUND')
  listStrategyVersions(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.versions.list(user.id, id);
  }

  @Get('versions/:version')
  @ApiEnvelope(StrategyVersionResponseDto)
  @ApiErrors('STRATEGY_NOT_FOUND', 'VERSION_NOT_FOUND')
  getStrategyVersion(
    @CurrentUser() user: AuthUser,
    @Param('id', IdPipe) id: number,
    @Param() params: VersionParamDto,
  ) {
    return this.versions.get(user.id, id, params.version);
  }

  /** Make an old version current again, as a new version. */
  @Post('versions/:version/restore')
  @ApiEnvelope(StrategyResponseDto)
  @ApiErrors('STRATEGY_NOT_FOUND', 'VERSION_NOT_FOUND')
  restoreStrategyVersion(
    @CurrentUser() user: AuthUser,
    @Param('id', IdPipe) id: number,
    @Param() params: VersionParamDto,
  ) {
    return this.versions.restore(user, id, params.version);
  }

  /** The Python source the current version runs (uploaded, or the strategy file). */
  @Get('source')
  @ApiEnvelope(StrategySourceResponseDto)
  @ApiErrors('STRATEGY_NOT_FOUND', 'SOURCE_NOT_FOUND', 'STRATEGY_FILE_NOT_FOUND')
  getStrategySource(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.versions.getSource(user.id, id);
  }

  /** Upload Python source as a new version. */
  @Put('source')
  @ApiEnvelope(StrategyResponseDto)
  @ApiErrors('STRATEGY_NOT_FOUND', 'STRATEGY_CLASS_NOT_FOUND', 'STRATEGY_IS_DRAFT', 'VERSION_EXISTS')
  putStrategySource(
    @CurrentUser() user: AuthUser,
    @Param('id', IdPipe) id: number,
    @Body() dto: PutSourceDto,
  ) {
    return this.versions.putSource(user, id, dto);
  }

  /** The strategy's log, newest first; `level` means that level and above. */
  @Get('logs')
  @ApiEnvelope(StrategyLogResponseDto, { paginated: 'logs' })
  @ApiErrors('STRATEGY_NOT_FOUND')
  listStrategyLogs(
    @CurrentUser() user: AuthUser,
    @Param('id', IdPipe) id: number,
    @Query() query: StrategyLogsQueryDto,
  ) {
    return this.strategies.listLogs(user.id, id, query);
  }
}
