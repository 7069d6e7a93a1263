import { Module } from '@nestjs/common';
import { MarketData } from '../../infra/exchange/market-data.js';
import { FreqtradeModule } from '../freqtrade/freqtrade.module.js';
import { SignalsModule } from '../signals/signals.module.js';
import { StrategiesModule } from '../strategies/strategies.module.js';
import { ChartCandles } from './chart-candles.service.js';
import { ChartsController } from './charts.controller.js';
import { ChartsService } from './charts.service.js';

@Module({
  imports: [SignalsModule, StrategiesModule, FreqtradeModule],
  controllers: [ChartsController],
  providers: [MarketData, ChartCandles, ChartsService],
  exports: [MarketData],
})
export class ChartsModule {}
