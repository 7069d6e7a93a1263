import { describe, expect, it, jest } from '@jest/globals';
import { JsonFragment } from '../../common/http/json-fragment.js';
import { ManualClock } from '../../infra/clock/clock.port.js';
import type { Ohlcv } from '../../infra/exchange/market-data.js';
import type { RunningBotCandles } from '../freqtrade/running-bot-candles.service.js';
import type { SignalsQueryService } from '../signals/signals-query.service.js';
import type { StrategiesService } from '../strategies/strategies.service.js';
import type { ChartCandles, ChartSeries } from './chart-candles.service.js';
import { ChartsService } from './charts.service.js';
import type { IndicatorsQueryDto, KlineQueryDto } from './dto/chart-query.dto.js';
import type { IndicatorsResponseDto, KlineResponseDto } from './dto/chart.response.dto.js';

const M = 60_000;
const candle = (m: number, close = m): Ohlcv => [m * M, m, m + 1, m - 1, close, 1];
const q = { exchange: 'binance', pair: 'BTC/USDT', timeframe: '1m', limit: 30 } as KlineQueryDto;

function setup() {
  let series: ChartSeries = {
    rows: Array.from({ length: 30 }, (_, i) => candle(900 + i)),
    source: 'exchange',
  };
  const klines = jest.fn(async () => ({ rows: [...series.rows], source: series.source }));
  const sut = new ChartsService(
    { klines } as unknown as ChartCandles,
    {} as SignalsQueryService,
    {} as StrategiesService,
    {} as RunningBotCandles,
    new ManualClock(1000 * M),
  );
  return { sut, klines, set: (s: ChartSeries) => (series = s) };
}

describe('ChartsService serialised responses', () => {
  it('serves an unchanged series from one serialised response, equal to the plain one', async () => {
    const { sut, klines } = setup();
    const a = await sut.kline(1, q);
    const b = await sut.kline(2, q);
    expect(a).toBeInstanceOf(JsonFragment);
    expect(b).toBe(a);
    expect(klines).toHaveBeenCalledTimes(2); // the candles are still read (and owner-scoped) each time
    const v: KlineResponseDto = a.value();
    expect(v.data).toHaveLength(30);
    expect(v.data[0]).toEqual({
      timestamp: new Date(900 * M).toISOString(),
      open: 900,
      high: 901,
      low: 899,
      close: 900,
      volume: 1,
    });
    expect(v.source).toBe('exchange');
  });

  it('makes a new response when the forming candle changes, a candle is added, or the source differs', async () => {
    const { sut, set } = setup();
    const rows = Array.from({ length: 30 }, (_, i) => candle(900 + i));
    const first = await sut.kline(1, q);
    set({ rows: [...rows.slice(0, 29), candle(929, 42)], source: 'exchange' });
    const refreshed = await sut.kline(1, q);
    expect(refreshed).not.toBe(first);
    expect(refreshed.value().data.at(-1)!.close).toBe(42);
    set({ rows: [...rows.slice(1), candle(930)], source: 'exchange' });
    expect((await sut.kline(1, q)).value().data.at(-1)!.timestamp).toBe(new Date(930 * M).toISOString());
    set({ rows, source: 'bot' });
    expect((await sut.kline(1, q)).value().source).toBe('bot');
  });

  it('keys indicator responses by the indicator list as well', async () => {
    const { sut } = setup();
    const iq = (indicators: string) => ({ ...q, indicators }) as IndicatorsQueryDto;
    const ma = (await sut.indicators(1, iq('ma:5'))) as JsonFragment<IndicatorsResponseDto>;
    const ema = (await sut.indicators(1, iq('ema:5'))) as JsonFragment<IndicatorsResponseDto>;
    expect(Object.keys(ma.value().indicators)).toEqual(['ma:5']);
    expect(Object.keys(ema.value().indicators)).toEqual(['ema:5']);
    expect(await sut.indicators(1, iq('ma:5'))).toBe(ma);
    expect(ma.value().indicators['ma:5']!.value!.slice(3, 5)).toEqual([null, 902]);
  });
});
