import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatasetsModule } from '../datasets/datasets.module.js';
import { FreqtradeModule } from '../freqtrade/freqtrade.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { StrategiesModule } from '../strategies/strategies.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { Evaluation } from './entities/evaluation.entity.js';
import { EvaluationsController } from './evaluations.controller.js';
import { EvaluationsService } from './evaluations.service.js';
import { BacktestEvaluationRunner } from './backtest-evaluation.runner.js';
import { EvaluationStatusRecorder } from './evaluation-status.recorder.js';
import { SignalQualityEvaluationRunner } from './signal-quality-evaluation.runner.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([Evaluation]),
    TasksModule,
    StrategiesModule,
    DatasetsModule,
    FreqtradeModule,
    SignalsModule,
  ],
  controllers: [EvaluationsController],
  providers: [
    EvaluationsService,
    EvaluationStatusRecorder,
    BacktestEvaluationRunner,
    SignalQualityEvaluationRunner,
  ],
  exports: [EvaluationsService],
})
export class EvaluationsModule {}
