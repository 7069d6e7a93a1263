/** What the supervisor knows about one running bot when its health is scored. */
export interface BotHealthInputs {
  now: number;
  timeframeMs: number;
  /** freqtrade's `last_process_ts` (end of its last loop), ms; null before the first loop or when unreachable. */
  lastProcessMs: number | null;
  apiReachable: boolean;
  wsConnected: boolean;
  /** When the capture last received an analyzed_df frame, ms; null when none yet. */
  lastAnalyzedMs: number | null;
  /** Since the bot started, so a young bot is not punished for frames it cannot have sent yet. */
  startedMs: number;
  warnings15m: number;
  errors15m: number;
  restartsLastHour: number;
}

export interface HealthScore {
  score: number;
  parts: { loop: number; websocket: number; candles: number; logs: number; restarts: number };
}

/** 1 at or below `full`, 0 at or beyond `zero`, linear between. */
const ramp = (value: number, full: number, zero: number) =>
  value <= full ? 1 : value >= zero ? 0 : (zero - value) / (zero - full);

/**
 * 0–100 from five parts (weights sum to 100):
 * - loop 30: freqtrade's loop ran recently (fresh within 30 s, worthless after a timeframe + 60 s);
 * - websocket 20: the capture's connection is up;
 * - candles 25: an analyzed frame arrived within a timeframe (+30 s of analysis slack), worthless
 *   after three timeframes — exchange errors only show up here (freqtrade keeps looping);
 * - logs 15: minus 2 per warning and 5 per error in the last 15 minutes;
 * - restarts 10: minus 5 per restart in the last hour.
 */
export function healthScore(i: BotHealthInputs): HealthScore {
  const loopAge =
    i.lastProcessMs === null || !i.apiReachable ? Infinity : Math.max(0, i.now - i.lastProcessMs);
  const loop = 30 * ramp(loopAge, 30_000, i.timeframeMs + 60_000);
  const websocket = i.wsConnected ? 20 : 0;
  const since = i.lastAnalyzedMs ?? i.startedMs;
  const candles = 25 * ramp(i.now - since, i.timeframeMs + 30_000, 3 * i.timeframeMs + 30_000);
  const logs = Math.max(0, 15 - 2 * i.warnings15m - 5 * i.errors15m);
  const restarts = Math.max(0, 10 - 5 * i.restartsLastHour);
  const parts = {
    loop: Math.round(loop),
    websocket,
    candles: Math.round(candles),
    logs,
    restarts,
  };
  const score = Math.max(
    0,
    Math.min(100, parts.loop + parts.websocket + parts.candles + parts.logs + parts.restarts),
  );
  return { score, parts };
}

export { timeframeMs } from '../../../common/time/timeframe.js';
