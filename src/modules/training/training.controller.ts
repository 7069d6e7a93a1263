import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { IdPipe } from '../../common/validation/id.pipe.js';
import { StrategyResponseDto } from '../strategies/dto/strategy.response.dto.js';
import { CreateTrainingJobDto } from './dto/create-training-job.dto.js';
import { ListTrainingJobsQueryDto, TrainingMetricsQueryDto } from './dto/list-training-jobs.query.dto.js';
import {
  TrainingJobCreatedDto,
  TrainingJobResponseDto,
  TrainingMetricsResponseDto,
  TrainingResultResponseDto,
} from './dto/training-job.response.dto.js';
import { TrainingJobsService } from './training-jobs.service.js';

@ApiTags('training')
@Controller('training/jobs')
export class TrainingController {
  constructor(private readonly training: TrainingJobsService) {}

  /**
   * Starts a training job: freqtrade hyperopt on the strategy's current version, one epoch per
   * training epoch. Follow it on the sockets (`training_progress`, `training_status`) or here.
   */
  @Post()
  @HttpCode(202)
  @ApiEnvelope(TrainingJobCreatedDto)
  @ApiErrors(
    'VALIDATION_ERROR',
    'STRATEGY_NOT_FOUND',
    'TRAINING_JOB_NOT_FOUND',
    'TRAINING_RESULT_NOT_READY',
    'DATASET_NOT_FOUND',
    'DATASET_NOT_READY',
    'DATASET_NOT_BACKTESTABLE',
    'STRATEGY_LOAD_FAILED',
    'STRATEGY_NOT_OPTIMISABLE',
    'FREQTRADE_NOT_INSTALLED',
    'TRAINING_UNAVAILABLE',
  )
  createTrainingJob(@CurrentUser() user: AuthUser, @Body() dto: CreateTrainingJobDto) {
    return this.training.create(user, dto);
  }

  @Get()
  @ApiEnvelope(TrainingJobResponseDto, { paginated: 'jobs' })
  listTrainingJobs(@CurrentUser() user: AuthUser, @Query() query: ListTrainingJobsQueryDto) {
    return this.training.list(user.id, query);
  }

  @Get(':id')
  @ApiEnvelope(TrainingJobResponseDto)
  @ApiErrors('TRAINING_JOB_NOT_FOUND')
  getTrainingJob(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.training.get(user.id, id);
  }

  /** Stops freqtrade; the epochs already saved are kept and the job ends `cancelled`. */
  @Post(':id/cancel')
  @ApiEnvelope(TrainingJobResponseDto)
  @ApiErrors('TRAINING_JOB_NOT_FOUND', 'TRAINING_JOB_NOT_CANCELLABLE')
  cancelTrainingJob(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.training.cancel(user.id, id);
  }

  /** One row per hyperopt epoch, in order. */
  @Get(':id/metrics')
  @ApiEnvelope(TrainingMetricsResponseDto)
  @ApiErrors('TRAINING_JOB_NOT_FOUND')
  getTrainingMetrics(
    @CurrentUser() user: AuthUser,
    @Param('id', IdPipe) id: number,
    @Query() query: TrainingMetricsQueryDto,
  ) {
    return this.training.metrics(user.id, id, query);
  }

  /** The best epoch's parameters (freqtrade's parameter file) and its backtest summary. */
  @Get(':id/result')
  @ApiEnvelope(TrainingResultResponseDto)
  @ApiErrors('TRAINING_JOB_NOT_FOUND', 'TRAINING_RESULT_NOT_READY')
  getTrainingResult(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.training.result(user.id, id);
  }

  /** Writes the best parameters into the strategy as a new version (changelog names the job). */
  @Post(':id/apply')
  @ApiEnvelope(StrategyResponseDto)
  @ApiErrors('TRAINING_JOB_NOT_FOUND', 'TRAINING_RESULT_NOT_READY', 'STRATEGY_NOT_FOUND')
  applyTrainingJob(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.training.apply(user, id);
  }

  @Delete(':id')
  @ApiEnvelope(null)
  @ApiErrors('TRAINING_JOB_NOT_FOUND')
  deleteTrainingJob(@CurrentUser() user: AuthUser, @Param('id', IdPipe) id: number) {
    return this.training.remove(user.id, id);
  }
}
