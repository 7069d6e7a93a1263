import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../../common/auth/auth-user.js';
import { CurrentUser } from '../../../common/auth/decorators.js';
import { AppException } from '../../../common/errors/app.exception.js';
import { ApiEnvelope, ApiErrors } from '../../../common/swagger/api-envelope.decorator.js';
import { UuidPipe } from '../../../common/validation/uuid.pipe.js';
import { TaskResponseDto } from '../../tasks/dto/task.response.dto.js';
import { CompatibilityCheckService } from './compatibility-check.service.js';
import {
  CompatibilityCheckRequestDto,
  CompatibilityCheckResponseDto,
  FreqtradeVersionResponseDto,
  FreqtradeVersionsResponseDto,
  ListVersionsQueryDto,
  RollbackRequestDto,
  UpdateCheckResponseDto,
  UpgradeRequestDto,
  VersionParamDto,
} from './dto/versions.dto.js';
import { FreqtradeSwitchService } from './freqtrade-switch.service.js';
import { FreqtradeVersionsService } from './freqtrade-versions.service.js';

@ApiTags('freqtrade')
@Controller('freqtrade')
export class FreqtradeVersionsController {
  constructor(
    private readonly versions: FreqtradeVersionsService,
    private readonly compat: CompatibilityCheckService,
    private readonly switcher: FreqtradeSwitchService,
  ) {}

  /** The active freqtrade: version, where, its state, its dependencies and how the strategies fared on it. */
  @Get('version')
  @ApiEnvelope(FreqtradeVersionResponseDto)
  getVersion() {
    return this.versions.current();
  }

  /**
   * Installed versions and the releases on the package index (cached for an hour). When the index
   * cannot be read, the installed ones are still listed and `index_reachable` is false.
   */
  @Get('versions')
  @ApiEnvelope(FreqtradeVersionsResponseDto)
  listVersions(@Query() q: ListVersionsQueryDto) {
    return this.versions.versions(q.include_prereleases === 'true');
  }

  /** Compares the active version with the newest stable release; a new release raises one info alert. */
  @Post('check-updates')
  @HttpCode(200)
  @ApiEnvelope(UpdateCheckResponseDto)
  checkUpdates() {
    return this.versions.checkUpdates();
  }

  /**
   * Starts a compatibility check of every strategy of yours against `target_version` (installed
   * first if missing). A task: follow it in /tasks or over the socket; the verdicts are at
   * GET /freqtrade/compatibility-checks/{task id}.
   */
  @Post('compatibility-check')
  @HttpCode(202)
  @ApiEnvelope(TaskResponseDto, { status: 202 })
  @ApiErrors('FREQTRADE_NOT_INSTALLED', 'FREQTRADE_VERSION_UNSUPPORTED')
  compatibilityCheck(@CurrentUser() user: AuthUser, @Body() dto: CompatibilityCheckRequestDto) {
    return this.compat.start(user, dto.target_version);
  }

  @Get('compatibility-checks/:id')
  @ApiEnvelope(CompatibilityCheckResponseDto)
  @ApiErrors('COMPATIBILITY_CHECK_NOT_FOUND')
  getCompatibilityCheck(@CurrentUser() user: AuthUser, @Param('id', UuidPipe) id: string) {
    return this.compat.get(user, id);
  }

  /**
   * Upgrades (superusers): refused without a passed compatibility check of the target unless
   * `force`. A task: stops the bots, switches, restarts them on the new version and waits until
   * they are healthy; any failure rolls everything back and raises an error alert.
   */
  @Post('upgrade')
  @HttpCode(202)
  @ApiEnvelope(TaskResponseDto, { status: 202 })
  @ApiErrors(
    'FORBIDDEN',
    'COMPATIBILITY_CHECK_REQUIRED',
    'FREQTRADE_SWITCH_IN_PROGRESS',
    'FREQTRADE_BIN_PINNED',
    'FREQTRADE_VERSION_UNSUPPORTED',
  )
  upgrade(@CurrentUser() user: AuthUser, @Body() dto: UpgradeRequestDto) {
    return this.switcher.upgrade(user, dto.target_version, dto.force ?? false);
  }

  /** Back to the previously active version, or a named installed one (superusers). Same procedure as an upgrade. */
  @Post('rollback')
  @HttpCode(202)
  @ApiEnvelope(TaskResponseDto, { status: 202 })
  @ApiErrors(
    'FORBIDDEN',
    'FREQTRADE_VERSION_NOT_FOUND',
    'FREQTRADE_SWITCH_IN_PROGRESS',
    'FREQTRADE_BIN_PINNED',
  )
  rollback(@CurrentUser() user: AuthUser, @Body() dto: RollbackRequestDto) {
    return this.switcher.rollback(user, dto.target_version);
  }

  /** Removes an installed version that is not active (superusers). */
  @Delete('versions/:version')
  @ApiEnvelope(null)
  @ApiErrors('FORBIDDEN', 'FREQTRADE_VERSION_NOT_FOUND', 'VERSION_IN_USE')
  async removeVersion(@CurrentUser() user: AuthUser, @Param() p: VersionParamDto) {
    if (!user.isSuperuser)
      throw new AppException('FORBIDDEN', {}, 'Only a superuser may remove a freqtrade version');
    await this.versions.remove(p.version);
    return null;
  }
}
