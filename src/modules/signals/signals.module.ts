import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StrategiesModule } from '../strategies/strategies.module.js';
import { Signal } from './entities/signal.entity.js';
import { SignalsController } from './signals.controller.js';
import { SignalsQueryService } from './signals-query.service.js';
import { SignalsService } from './signals.service.js';
import { SignalsHotWindow } from './signals-hot-window.service.js';
import { StrategyContextCache } from './strategy-context-cache.js';

@Module({
  imports: [TypeOrmModule.forFeature([Signal]), StrategiesModule],
  controllers: [SignalsController],
  providers: [SignalsService, SignalsQueryService, SignalsHotWindow, StrategyContextCache],
  exports: [SignalsService, SignalsQueryService],
})
export class SignalsModule {}
