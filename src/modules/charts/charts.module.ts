import { Module } from '@nestjs/common';
import { MarketData } from '../../infra/exchange/market-data.js';
import { SignalsModule } from '../signals/signals.module.js';
import { ChartsController } from './charts.controller.js';
import { ChartsService } from './charts.service.js';

@Module({
  imports: [SignalsModule],
  controllers: [ChartsController],
  providers: [MarketData, ChartsService],
  exports: [MarketData],
})
export class ChartsModule {}
