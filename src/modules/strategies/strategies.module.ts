import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExchangeCatalog } from '../../infra/exchange/exchange-catalog.js';
import { StrategyDraft } from './entities/strategy-draft.entity.js';
import { Strategy } from './entities/strategy.entity.js';
import { StrategyLog } from './entities/strategy-log.entity.js';
import { StrategyVersion } from './entities/strategy-version.entity.js';
import { StrategiesController } from './strategies.controller.js';
import { StrategiesService } from './strategies.service.js';
import { StrategyConfigValidator } from './strategy-config.validator.js';
import { StrategyDraftsController } from './strategy-drafts.controller.js';
import { StrategyDraftsService } from './strategy-drafts.service.js';
import { StrategyFilesService } from './strategy-files.service.js';
import { StrategyLifecycleService } from './strategy-lifecycle.service.js';
import { StrategyLogsService } from './strategy-logs.service.js';
import { StrategyProxyUsers } from './strategy-proxy-users.js';
import { STRATEGY_RUNTIME, StrategyRuntimeRegistry } from './strategy-runtime.port.js';
import { StrategySignalStatsRegistry } from './strategy-signal-stats.js';
import { StrategyVersionWriter } from './strategy-version-writer.service.js';
import { StrategyVersionsController } from './strategy-versions.controller.js';
import { StrategyVersionsService } from './strategy-versions.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Strategy, StrategyVersion, StrategyDraft, StrategyLog])],
  // The drafts controller comes first so /strategies/drafts is never read as /strategies/:id.
  controllers: [StrategyDraftsController, StrategiesController, StrategyVersionsController],
  providers: [
    StrategiesService,
    StrategyVersionsService,
    StrategyDraftsService,
    StrategyLifecycleService,
    StrategyLogsService,
    StrategyVersionWriter,
    StrategyConfigValidator,
    StrategyFilesService,
    ExchangeCatalog,
    StrategySignalStatsRegistry,
    StrategyRuntimeRegistry,
    StrategyProxyUsers,
    // The FreqTrade module plugs its runtime into the registry; without it starting answers 503.
    { provide: STRATEGY_RUNTIME, useExisting: StrategyRuntimeRegistry },
  ],
  exports: [
    StrategiesService,
    StrategyLogsService,
    StrategySignalStatsRegistry,
    StrategyRuntimeRegistry,
    StrategyLifecycleService,
    // Training jobs write applied parameters as new versions through the one writer.
    StrategyVersionWriter,
  ],
})
export class StrategiesModule {}
