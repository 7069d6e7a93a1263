import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExchangeCatalog } from '../../infra/exchange/exchange-catalog.js';
import { FreqtradeModule } from '../freqtrade/freqtrade.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { DatasetsController } from './datasets.controller.js';
import { DatasetsService } from './datasets.service.js';
import { Dataset } from './entities/dataset.entity.js';

@Module({
  imports: [TypeOrmModule.forFeature([Dataset]), TasksModule, FreqtradeModule],
  controllers: [DatasetsController],
  providers: [DatasetsService, ExchangeCatalog],
  exports: [DatasetsService],
})
export class DatasetsModule {}
