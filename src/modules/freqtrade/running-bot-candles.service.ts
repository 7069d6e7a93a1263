import { Injectable, Logger } from '@nestjs/common';
import type { LaunchedBot } from './bot/bot-supervisor.js';
import type { AnalyzedSeries } from './capture/analyzed-frames.js';
import { FreqtradeRuntime, type RunningBot } from './freqtrade-runtime.service.js';

/** One running bot's analysed series of a market. */
export interface BotSeries {
  strategyId: number;
  ownerId: number;
  exchange: string;
  series: AnalyzedSeries;
}

/** A strategy's bot as charts see it: what it analyses and how its author wants it drawn. */
export interface StrategyBotView {
  strategyId: number;
  ownerId: number;
  exchange: string;
  /** Every (pair, timeframe) it has analysed rows for, newest update last. */
  series: AnalyzedSeries[];
  /** The strategy's `plot_config` (`{}` when it has none); null when the bot did not answer. */
  plotConfig(): Promise<Record<string, unknown> | null>;
}

// The strategy's main candles; other candle types (mark, index, funding) are not market OHLCV.
const MAIN_CANDLES = new Set(['spot', 'futures', '']);

/**
 * Read model over the bots this instance runs: the candles and columns their captures hold in
 * memory (architecture §9: a strategy's bot runs on exactly one instance, so another instance
 * simply finds nothing here and charts ask the exchange).
 */
@Injectable()
export class RunningBotCandles {
  private readonly logger = new Logger(RunningBotCandles.name);
  /** One plot_config per launch: it is part of the strategy class, fixed while the process lives. */
  private readonly plotConfigs = new WeakMap<LaunchedBot, Promise<Record<string, unknown> | null>>();

  constructor(private readonly runtime: FreqtradeRuntime) {}

  /**
   * The series of this market from any running bot — OHLCV is public market data, whoever's bot
   * fetched it — preferring `preferOwnerId`'s own bots, then the one updated last.
   */
  find(q: { exchange: string; pair: string; timeframe: string; preferOwnerId?: number }): BotSeries | null {
    let best: BotSeries | null = null;
    for (const bot of this.runtime.bots.values()) {
      const launched = bot.supervisor.bot;
      if (!launched || exchangeOf(bot) !== q.exchange) continue;
      const series = launched.capture.frames.get(q.pair, q.timeframe);
      if (!series || !MAIN_CANDLES.has(series.candleType)) continue;
      const candidate: BotSeries = {
        strategyId: bot.spec.strategyId,
        ownerId: bot.spec.ownerId,
        exchange: q.exchange,
        series,
      };
      if (!best || better(candidate, best, q.preferOwnerId)) best = candidate;
    }
    return best;
  }

  /** The strategy's bot when it runs on this instance with its capture up; otherwise null. */
  ofStrategy(strategyId: number): StrategyBotView | null {
    const bot = this.runtime.bots.get(strategyId);
    const launched = bot?.supervisor.bot;
    if (!bot || !launched) return null;
    return {
      strategyId,
      ownerId: bot.spec.ownerId,
      exchange: exchangeOf(bot),
      series: launched.capture.frames.all().filter((s) => MAIN_CANDLES.has(s.candleType)),
      plotConfig: () => this.plotConfig(strategyId, launched),
    };
  }

  private plotConfig(strategyId: number, launched: LaunchedBot): Promise<Record<string, unknown> | null> {
    let pending = this.plotConfigs.get(launched);
    if (!pending) {
      pending = launched.api.plotConfig();
      this.plotConfigs.set(launched, pending);
      // A bot that did not answer is asked again next time.
      void pending.then((c) => {
        if (c === null) {
          this.plotConfigs.delete(launched);
          this.logger.warn(`strategy ${strategyId}: the bot did not answer /plot_config`);
        }
      });
    }
    return pending;
  }
}

const exchangeOf = (bot: RunningBot): string => {
  const configured = bot.spec.config.exchange;
  return typeof configured === 'string' && configured ? configured : 'binance';
};

/** Own bots first, then the freshest series (latest last candle, then latest arrival). */
function better(a: BotSeries, b: BotSeries, preferOwnerId: number | undefined): boolean {
  const own = Number(a.ownerId === preferOwnerId) - Number(b.ownerId === preferOwnerId);
  if (own) return own > 0;
  const last = a.series.dates.at(-1)! - b.series.dates.at(-1)!;
  return last ? last > 0 : a.series.receivedAt > b.series.receivedAt;
}
