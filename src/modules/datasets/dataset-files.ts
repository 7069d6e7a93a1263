import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Candle } from './candles/candle.js';

/**
 * Where a dataset's files live: DATA_DIR/datasets/<id>/ holds the upload as received (`source.<ext>`)
 * and freqtrade's data directory `data/<exchange>/<PAIR>-<tf>.json`, so `freqtrade backtesting
 * --datadir <dir>/data/<exchange> --data-format-ohlcv json` reads it as it is.
 */
export class DatasetFiles {
  constructor(private readonly root: string) {}

  dir(id: number): string {
    return path.join(this.root, String(id));
  }

  sourcePath(id: number, type: string): string {
    return path.join(this.dir(id), `source.${type}`);
  }

  freqtradeDataDir(id: number, exchange: string): string {
    return path.join(this.dir(id), 'data', exchange.toLowerCase());
  }

  candlePath(id: number, exchange: string, pair: string, timeframe: string): string {
    return path.join(this.freqtradeDataDir(id, exchange), `${freqtradePairFile(pair, timeframe)}.json`);
  }

  uploadTempPath(token: string): string {
    return path.join(this.root, '.incoming', token);
  }

  async ensureDir(id: number): Promise<void> {
    await mkdir(this.dir(id), { recursive: true });
  }

  async ensureIncoming(): Promise<void> {
    await mkdir(path.join(this.root, '.incoming'), { recursive: true });
  }

  /** Freqtrade's `json` format: pandas orient="values", [[open ms, o, h, l, c, v], ...]. Written whole, then renamed. */
  async writeCandles(file: string, candles: Candle[]): Promise<number> {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    const rows: string[] = new Array(candles.length);
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i]!;
      rows[i] = `[${c.t},${num(c.o)},${num(c.h)},${num(c.l)},${num(c.c)},${num(c.v)}]`;
    }
    await writeFile(tmp, `[${rows.join(',')}]`);
    await rename(tmp, file);
    return (await stat(file)).size;
  }

  async remove(id: number): Promise<void> {
    await rm(this.dir(id), { recursive: true, force: true });
  }
}

/**
 * Reads a candle file in freqtrade's json format that we (or freqtrade) wrote: one JSON.parse is ~20×
 * faster than the streaming parser uploads need (0.13 s against 3 s for a year of 5m candles).
 */
export async function readStoredCandles(file: string): Promise<Candle[]> {
  const rows = JSON.parse(await readFile(file, 'utf8')) as unknown;
  if (!Array.isArray(rows)) throw new Error(`${path.basename(file)} is not a candle array`);
  return rows.map((r: unknown) => {
    const [t, o, h, l, c, v] = r as (number | null)[];
    return { t: t!, o: o ?? null, h: h ?? null, l: l ?? null, c: c ?? null, v: v ?? null };
  });
}

function num(v: number | null): string {
  return v === null ? 'null' : String(v);
}

/** freqtrade's file name for a spot pair: `/`, space, `.`, `@`, `$`, `+`, `:` become `_`; `1M` is stored as `1Mo`. */
export function freqtradePairFile(pair: string, timeframe: string): string {
  return `${pair.replace(/[/ .@$+:]/g, '_')}-${timeframe === '1M' ? '1Mo' : timeframe}`;
}
