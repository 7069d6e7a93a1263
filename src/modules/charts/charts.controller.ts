import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CurrentUser } from '../../common/auth/decorators.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { ChartsService } from './charts.service.js';
import { ChartSignalsQueryDto, IndicatorsQueryDto, KlineQueryDto } from './dto/chart-query.dto.js';
import {
  ChartSignalsResponseDto,
  IndicatorsResponseDto,
  KlineResponseDto,
} from './dto/chart.response.dto.js';

@ApiTags('charts')
@Controller('charts')
export class ChartsController {
  constructor(private readonly charts: ChartsService) {}

  /**
   * Candles of a market. When a running strategy's bot monitors it (same exchange, pair and
   * timeframe), the bot's analysed candles serve the request and the exchange is asked only for
   * what they do not cover (`source`). Otherwise from the exchange (through the proxy pool), cached
   * 10 minutes; the forming candle at most 10 s old.
   */
  @Get('kline')
  @ApiEnvelope(KlineResponseDto)
  @ApiErrors(
    'UNKNOWN_EXCHANGE',
    'UNKNOWN_PAIR',
    'UNKNOWN_TIMEFRAME',
    'EXCHANGE_UNAVAILABLE',
    'EXCHANGE_TIMEOUT',
  )
  getKline(@CurrentUser() user: AuthUser, @Query() query: KlineQueryDto) {
    return this.charts.kline(user.id, query);
  }

  /**
   * Standard indicators on the same candles `kline` returns for these parameters. With
   * `strategy_id` (one of yours, running): its own dataframe columns and `plot_config`, on the
   * candles its bot analysed, plus any standard indicators asked for.
   */
  @Get('indicators')
  @ApiEnvelope(IndicatorsResponseDto)
  @ApiErrors(
    'UNKNOWN_INDICATOR',
    'STRATEGY_NOT_FOUND',
    'STRATEGY_NOT_RUNNING',
    'PAIR_NOT_MONITORED',
    'UNKNOWN_EXCHANGE',
    'UNKNOWN_PAIR',
    'UNKNOWN_TIMEFRAME',
    'EXCHANGE_UNAVAILABLE',
    'EXCHANGE_TIMEOUT',
  )
  getIndicators(@CurrentUser() user: AuthUser, @Query() query: IndicatorsQueryDto) {
    return this.charts.indicators(user.id, query);
  }

  /** Your stored signals on this pair and timeframe as chart markers, from the journal (deleted strategies too). */
  @Get('signals')
  @ApiEnvelope(ChartSignalsResponseDto)
  getChartSignals(@CurrentUser() user: AuthUser, @Query() query: ChartSignalsQueryDto) {
    return this.charts.chartSignals(user.id, query);
  }
}
