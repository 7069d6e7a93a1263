import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatasetsModule } from '../datasets/datasets.module.js';
import { FreqtradeModule } from '../freqtrade/freqtrade.module.js';
import { StrategiesModule } from '../strategies/strategies.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { TrainingJob } from './entities/training-job.entity.js';
import { TrainingMetric } from './entities/training-metric.entity.js';
import { TrainingController } from './training.controller.js';
import { TrainingJobsService } from './training-jobs.service.js';
import { TrainingRecovery } from './training-recovery.listener.js';
import { TrainingRunner } from './training-runner.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([TrainingJob, TrainingMetric]),
    TasksModule,
    StrategiesModule,
    DatasetsModule,
    FreqtradeModule,
  ],
  controllers: [TrainingController],
  providers: [TrainingJobsService, TrainingRunner, TrainingRecovery],
})
export class TrainingModule {}
