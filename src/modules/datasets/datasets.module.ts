import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExchangeCatalog } from '../../infra/exchange/exchange-catalog.js';
import { FreqtradeModule } from '../freqtrade/freqtrade.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { DatasetsController } from './datasets.controller.js';
import { DatasetsService } from './datasets.service.js';
import { Dataset } from './entities/dataset.entity.js';
import { DatasetDownloader } from './dataset-downloader.js';
import { DatasetFiles } from './dataset-files.js';
import { DatasetStore } from './dataset-store.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';

@Module({
  imports: [TypeOrmModule.forFeature([Dataset]), TasksModule, FreqtradeModule],
  controllers: [DatasetsController],
  providers: [
    DatasetsService,
    DatasetStore,
    DatasetDownloader,
    ExchangeCatalog,
    {
      provide: DatasetFiles,
      useFactory: (config: AppConfig) => new DatasetFiles(config.datasets.dir),
      inject: [APP_CONFIG],
    },
  ],
  exports: [DatasetsService],
})
export class DatasetsModule {}
