import { ATR, BollingerBands, EMA, MACD, RSI, SMA } from 'trading-signals';
import { AppException } from '../../common/errors/app.exception.js';
import type { Ohlcv } from '../../infra/exchange/market-data.js';

/**
 * Standard indicators on a candle series, computed with trading-signals (maintained, typed, no
 * dependencies; its conventions are TA-Lib's where it matters for charts: RSI and ATR use Wilder's
 * smoothing seeded with a simple average, Bollinger bands the population standard deviation).
 * EMA — and so MACD — follows the library: seeded with the first close, reported once `n` closes
 * are in. Every output is aligned to the candles; null while an indicator warms up.
 */
interface IndicatorDef {
  /** Parameter names, in the order they follow the name (`macd:12:26:9`). */
  params: { name: string; default: number; min: number; max: number; integer: boolean }[];
  /** Output lines; a single-line indicator has `value`. */
  lines: string[];
  compute(candles: Ohlcv[], p: number[]): Record<string, (number | null)[]>;
}

const period = (name: string, def: number, max = 500) => ({ name, default: def, min: 1, max, integer: true });

/** Runs a streaming indicator over values; `read` returns null while it is not ready. */
function series<T, I>(inputs: I[], update: (x: I) => T | null): (T | null)[] {
  return inputs.map((x) => update(x) ?? null);
}

const closes = (c: Ohlcv[]) => c.map((r) => r[4]);

export const INDICATORS: Record<string, IndicatorDef> = {
  ma: {
    params: [period('period', 20)],
    lines: ['value'],
    compute: (c, [n]) => {
      const sma = new SMA(n!);
      return { value: series(closes(c), (x) => sma.update(x, false)) };
    },
  },
  ema: {
    params: [period('period', 20)],
    lines: ['value'],
    compute: (c, [n]) => {
      const ema = new EMA(n!);
      // Reported once n closes are in (the library's isStable, without its exception per warm-up value).
      return {
        value: closes(c).map((x, i) => (i < n! - 1 ? (ema.update(x, false), null) : ema.update(x, false))),
      };
    },
  },
  rsi: {
    params: [{ ...period('period', 14, 200), min: 2 }],
    lines: ['value'],
    compute: (c, [n]) => {
      const rsi = new RSI(n!);
      return { value: series(closes(c), (x) => rsi.update(x, false)) };
    },
  },
  macd: {
    params: [period('fast', 12, 200), period('slow', 26, 500), period('signal', 9, 200)],
    lines: ['macd', 'signal', 'histogram'],
    compute: (c, [fast, slow, sig]) => {
      const m = new MACD(new EMA(fast!), new EMA(slow!), new EMA(sig!));
      const out = {
        macd: [] as (number | null)[],
        signal: [] as (number | null)[],
        histogram: [] as (number | null)[],
      };
      for (const x of closes(c)) {
        const r = m.update(x, false);
        // The signal line (an EMA of MACD) is reported once it has `signal` MACD values, like MACD itself.
        const ready = r !== null && m.signal.isStable;
        out.macd.push(r?.macd ?? null);
        out.signal.push(ready ? r.signal : null);
        out.histogram.push(ready ? r.histogram : null);
      }
      return out;
    },
  },
  boll: {
    params: [period('period', 20), { name: 'stddev', default: 2, min: 0.1, max: 10, integer: false }],
    lines: ['upper', 'middle', 'lower'],
    compute: (c, [n, k]) => {
      const bb = new BollingerBands(n!, k!);
      const out = {
        upper: [] as (number | null)[],
        middle: [] as (number | null)[],
        lower: [] as (number | null)[],
      };
      for (const x of closes(c)) {
        const r = bb.update(x, false);
        out.upper.push(r?.upper ?? null);
        out.middle.push(r?.middle ?? null);
        out.lower.push(r?.lower ?? null);
      }
      return out;
    },
  },
  atr: {
    params: [period('period', 14, 200)],
    lines: ['value'],
    compute: (c, [n]) => {
      const atr = new ATR(n!);
      return { value: series(c, (r) => atr.update({ high: r[2], low: r[3], close: r[4] }, false)) };
    },
  },
  vol_ma: {
    params: [period('period', 20)],
    lines: ['value'],
    compute: (c, [n]) => {
      const sma = new SMA(n!);
      return { value: series(c, (r) => sma.update(r[5], false)) };
    },
  },
};

export interface IndicatorSpec {
  /** As written back in the response: name and every parameter, e.g. `macd:12:26:9`. */
  key: string;
  name: string;
  params: number[];
}

export const MAX_INDICATORS = 20;

/** What a 400 lists: every indicator with its parameters and defaults. */
export function supportedIndicators(): string[] {
  return Object.entries(INDICATORS).map(
    ([name, d]) => `${name}:${d.params.map((p) => `${p.name}=${p.default}`).join(':')}`,
  );
}

function bad(reason: string): AppException {
  return new AppException('UNKNOWN_INDICATOR', { reason, supported: supportedIndicators() });
}

/** `ma:20,ema:50,rsi:14,macd:12:26:9,boll:20:2,atr:14,vol_ma:20` → specs; omitted parameters take defaults. */
export function parseIndicators(raw: string): IndicatorSpec[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.length) throw bad('no indicator given');
  if (parts.length > MAX_INDICATORS) throw bad(`at most ${MAX_INDICATORS} indicators per request`);
  const specs = parts.map((part) => {
    const [name, ...given] = part.split(':');
    const def = Object.hasOwn(INDICATORS, name!) ? INDICATORS[name!] : undefined;
    if (!def) throw bad(`unknown indicator "${name}"`);
    if (given.length > def.params.length)
      throw bad(`${name} takes at most ${def.params.length} parameter(s), got "${part}"`);
    const params = def.params.map((p, i) => {
      const text = given[i];
      if (text === undefined || text === '') return p.default;
      const v = Number(text);
      if (!Number.isFinite(v) || (p.integer && !Number.isInteger(v)) || v < p.min || v > p.max)
        throw bad(
          `${name} ${p.name} must be ${p.integer ? 'an integer' : 'a number'} from ${p.min} to ${p.max}, got "${text}"`,
        );
      return v;
    });
    if (name === 'macd' && params[0]! >= params[1]!) throw bad('macd fast period must be below the slow one');
    return { key: [name, ...params].join(':'), name: name!, params };
  });
  return [...new Map(specs.map((s) => [s.key, s])).values()];
}

/** Each spec's lines over the candles, keyed by spec key. */
export function computeIndicators(
  candles: Ohlcv[],
  specs: IndicatorSpec[],
): Record<string, Record<string, (number | null)[]>> {
  return Object.fromEntries(specs.map((s) => [s.key, INDICATORS[s.name]!.compute(candles, s.params)]));
}
