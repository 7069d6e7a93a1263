import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { IdPipe } from '../../common/validation/id.pipe.js';
import { StrategiesService } from './strategies.service.js';
import { StrategyVersionsService } from './strategy-versions.service.js';
import { CreateStrategyDto } from './dto/create-strategy.dto.js';
import { ListStrategiesQueryDto } from './dto/list-strategies.query.dto.js';
import { StrategyFilesResponseDto } from './dto/strategy-file.response.dto.js';
import { StrategyResponseDto } from './dto/strategy.response.dto.js';
import { UpdateStrategyDto } from './dto/update-strategy.dto.js';

@ApiTags('strategies')
@Controller('strategies')
export class StrategiesController {
  constructor(
    private readonly strategies: StrategiesService,
    private readonly versions: StrategyVersionsService,
  ) {}

  /** Your strategies, filtered and sorted. */
  @Get()
  @ApiEnvelope(StrategyResponseDto, { paginated: 'strategies' })
  listStrategies(@CurrentUser() user: AuthUser, @Query() query: ListStrategiesQueryDto) {
    return this.strategies.list(user.id, query);
  }

  /** Create a strategy (validated in full), or a draft with `is_draft: true`. */
  @Post()
  @ApiEnvelope(StrategyResponseDto, { status: 201 })
  @ApiErrors(
    'STRATEGY_NAME_TAKEN',
    'MIXED_QUOTE_CURRENCIES',
    'STRATEGY_FILE_NOT_FOUND',
    'STRATEGY_CLASS_NOT_FOUND',
    'VERSION_EXISTS',
    'PROXY_NOT_FOUND',
  )
  createStrategy(@CurrentUser() user: AuthUser, @Body() dto: CreateStrategyDto) {
    return this.strategies.create(user, dto);
  }

  /** The .py files in STRATEGIES_DIR and the strategy classes each defines. */
  @Get('files')
  @ApiEnvelope(StrategyFilesResponseDto)
  listStrategyFiles() {
    return this.versions.listFiles();
  }

  @Get(':id')
  @ApiEnvelope(StrategyResponseDto)
  @ApiErrors('STRATEGY_NOT_FOUND')
  getStrategy(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.strategies.get(user.id, id);
  }

  /** Update fields; a config or parameter change creates a new version (and restarts a running strategy on it). */
  @Put(':id')
  @ApiEnvelope(StrategyResponseDto)
  @ApiErrors(
    'STRATEGY_NOT_FOUND',
    'STRATEGY_CONFLICT',
    'STRATEGY_NAME_TAKEN',
    'MIXED_QUOTE_CURRENCIES',
    'VERSION_EXISTS',
    'PROXY_NOT_FOUND',
  )
  updateStrategy(
    @CurrentUser() user: AuthUser,
    @Param('id', IdPipe) id: number,
    @Body() dto: UpdateStrategyDto,
  ) {
    return this.strategies.update(user, id, dto);
  }

  /** Delete (a running strategy is stopped first). Its signals are kept. */
  @Delete(':id')
  @ApiEnvelope(null)
  @ApiErrors('STRATEGY_NOT_FOUND', 'STRATEGY_BUSY')
  deleteStrategy(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.strategies.remove(user.id, id);
  }

  /** Copy as "<name> (copy)" with a version history of its own. */
  @Post(':id/clone')
  @ApiEnvelope(StrategyResponseDto, { status: 201 })
  @ApiErrors('STRATEGY_NOT_FOUND')
  cloneStrategy(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.strategies.clone(user, id);
  }

  /** stopped|error → starting → running. */
  @Post(':id/start')
  @ApiEnvelope(StrategyResponseDto)
  @ApiErrors(
    'STRATEGY_NOT_FOUND',
    'STRATEGY_ALREADY_RUNNING',
    'STRATEGY_IS_DRAFT',
    'STRATEGY_BUSY',
    'STRATEGY_TYPE_NOT_SUPPORTED',
    'FREQTRADE_NOT_INSTALLED',
  )
  startStrategy(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.strategies.start(user.id, id);
  }

  /** running|error → stopping → stopped. */
  @Post(':id/stop')
  @ApiEnvelope(StrategyResponseDto)
  @ApiErrors('STRATEGY_NOT_FOUND', 'STRATEGY_NOT_RUNNING', 'STRATEGY_BUSY')
  stopStrategy(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.strategies.stop(user.id, id);
  }
}
