import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { IdPipe } from '../../common/validation/id.pipe.js';
import { CreateEvaluationDto } from './dto/create-evaluation.dto.js';
import { EvaluationResponseDto } from './dto/evaluation.response.dto.js';
import { ListEvaluationsQueryDto } from './dto/list-evaluations.query.dto.js';
import { EvaluationsService } from './evaluations.service.js';

@ApiTags('evaluations')
@Controller('evaluations')
export class EvaluationsController {
  constructor(private readonly evaluations: EvaluationsService) {}

  /**
   * Starts an evaluation: a real freqtrade backtest of the strategy (current version, or
   * `config.version`) on the dataset, as a task. `comparison` backtests `config.versions` or
   * `config.strategy_ids` on the same data.
   */
  @Post()
  @HttpCode(202)
  @ApiEnvelope(EvaluationResponseDto)
  @ApiErrors(
    'VALIDATION_ERROR',
    'STRATEGY_NOT_FOUND',
    'DATASET_NOT_FOUND',
    'DATASET_NOT_READY',
    'DATASET_NOT_BACKTESTABLE',
    'VERSION_NOT_FOUND',
    'FREQTRADE_NOT_INSTALLED',
  )
  createEvaluation(@CurrentUser() user: AuthUser, @Body() dto: CreateEvaluationDto) {
    return this.evaluations.create(user, dto);
  }

  @Get()
  @ApiEnvelope(EvaluationResponseDto, { paginated: 'evaluations' })
  listEvaluations(@CurrentUser() user: AuthUser, @Query() query: ListEvaluationsQueryDto) {
    return this.evaluations.list(user.id, query);
  }

  @Get(':id')
  @ApiEnvelope(EvaluationResponseDto)
  @ApiErrors('EVALUATION_NOT_FOUND')
  getEvaluation(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.evaluations.get(user.id, id);
  }

  /** A self-contained HTML report: summary, equity and drawdown charts (inline SVG), trades. */
  @Get(':id/report')
  @ApiProduces('text/html')
  @ApiErrors('EVALUATION_NOT_FOUND', 'REPORT_NOT_READY')
  async getEvaluationReport(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    const html = await this.evaluations.report(user.id, id);
    return new StreamableFile(Buffer.from(html), { type: 'text/html; charset=utf-8' });
  }

  /** Stops the backtest (the freqtrade process is killed); the evaluation ends `cancelled`. */
  @Post(':id/cancel')
  @ApiEnvelope(EvaluationResponseDto)
  @ApiErrors('EVALUATION_NOT_FOUND', 'EVALUATION_NOT_CANCELLABLE')
  cancelEvaluation(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.evaluations.cancel(user, id);
  }

  @Delete(':id')
  @ApiEnvelope(null)
  @ApiErrors('EVALUATION_NOT_FOUND')
  deleteEvaluation(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.evaluations.remove(user, id);
  }
}
