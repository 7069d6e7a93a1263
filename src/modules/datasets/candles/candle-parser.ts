import { createReadStream } from 'node:fs';
import { parse as parseCsv } from 'csv-parse';
import streamArray from 'stream-json/streamers/stream-array.js';
import { VALUE_COLUMNS, type Candle, type ValueColumn } from './candle.js';

export type CandleFileType = 'csv' | 'json';

/** A row that could not be read, reported to the user (the first 20 only). */
export interface BadRow {
  row: number;
  reason: string;
}

export interface ParsedCandles {
  candles: Candle[];
  rowsRead: number;
  badRows: number;
  badRowExamples: BadRow[];
  /** How the time column was written: ms, s or ISO text (the first good row decides). */
  timestampFormat: 'ms' | 's' | 'iso' | null;
  /** Header names as the file had them, in order. */
  sourceColumns: string[];
}

export class CandleFileError extends Error {
  override name = 'CandleFileError';
}

const MAX_BAD_EXAMPLES = 20;
const TIME_ALIASES = ['timestamp', 'date', 'time', 'datetime', 'open_time'];
// 1e11 s is the year 5138 and 1e11 ms is 1973: anything above is milliseconds.
const MS_THRESHOLD = 1e11;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?([zZ]|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads a CSV (with a header) or a JSON array of candles — objects with named fields, or
 * freqtrade's `[ms, open, high, low, close, volume]` arrays — streaming, row by row. A row with a
 * bad time or a non-numeric value is counted and skipped; an empty value is kept as missing.
 */
export async function parseCandleFile(
  path: string,
  type: CandleFileType,
  signal?: AbortSignal,
): Promise<ParsedCandles> {
  const acc = new Accumulator();
  if (type === 'csv') {
    const parser = createReadStream(path).pipe(
      parseCsv({
        columns: (header: string[]) => {
          acc.setHeader(header);
          return header.map(normaliseName);
        },
        skip_empty_lines: true,
        trim: true,
        bom: true,
        skip_records_with_error: true,
      }),
    );
    parser.on('skip', (err: Error & { lines?: number }) =>
      acc.bad(err.lines ?? acc.rowsRead + 1, err.message),
    );
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      signal?.throwIfAborted();
      acc.row(record);
    }
    if (!acc.headerSeen) throw new CandleFileError('the file is empty');
  } else {
    const items = createReadStream(path).pipe(streamArray.withParserAsStream());
    try {
      for await (const item of items as AsyncIterable<{ value: unknown }>) {
        signal?.throwIfAborted();
        acc.jsonItem(item.value);
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new CandleFileError(`not a JSON array of candles: ${(err as Error).message}`);
    }
  }
  return acc.result();
}

function normaliseName(name: string): string {
  const n = name.trim().toLowerCase();
  return TIME_ALIASES.includes(n) ? 'timestamp' : n;
}

class Accumulator {
  readonly candles: Candle[] = [];
  rowsRead = 0;
  badRows = 0;
  headerSeen = false;
  private readonly examples: BadRow[] = [];
  private format: ParsedCandles['timestampFormat'] = null;
  private sourceColumns: string[] = [];

  setHeader(header: string[]): void {
    this.headerSeen = true;
    this.sourceColumns = header.map((h) => h.trim());
    const names = new Set(header.map(normaliseName));
    const missing = ['timestamp', ...VALUE_COLUMNS].filter((c) => !names.has(c));
    if (missing.length > 0) {
      throw new CandleFileError(
        `missing column(s) ${missing.join(', ')}; a header with timestamp (or date), open, high, low, close, volume is required`,
      );
    }
  }

  bad(row: number, reason: string): void {
    this.badRows++;
    if (this.examples.length < MAX_BAD_EXAMPLES) this.examples.push({ row, reason: reason.slice(0, 200) });
  }

  row(record: Record<string, unknown>): void {
    this.rowsRead++;
    const t = this.time(record.timestamp);
    if (typeof t === 'string') return this.bad(this.rowsRead, t);
    const values: Partial<Record<ValueColumn, number | null>> = {};
    for (const col of VALUE_COLUMNS) {
      const v = number(record[col]);
      if (v === undefined)
        return this.bad(this.rowsRead, `${col} is not a number: ${JSON.stringify(record[col])}`);
      values[col] = v;
    }
    this.candles.push({
      t,
      o: values.open ?? null,
      h: values.high ?? null,
      l: values.low ?? null,
      c: values.close ?? null,
      v: values.volume ?? null,
    });
  }

  jsonItem(value: unknown): void {
    if (Array.isArray(value)) {
      if (!this.headerSeen) {
        this.headerSeen = true;
        this.sourceColumns = ['timestamp', ...VALUE_COLUMNS];
      }
      if (value.length < 6) {
        this.rowsRead++;
        return this.bad(
          this.rowsRead,
          `expected [time, open, high, low, close, volume], got ${value.length} values`,
        );
      }
      const [timestamp, open, high, low, close, volume] = value as unknown[];
      return this.row({ timestamp, open, high, low, close, volume });
    }
    if (value !== null && typeof value === 'object') {
      const record = Object.fromEntries(Object.entries(value).map(([k, v]) => [normaliseName(k), v]));
      if (!this.headerSeen) this.setHeader(Object.keys(value));
      return this.row(record);
    }
    this.rowsRead++;
    this.bad(this.rowsRead, 'not a candle object or array');
  }

  /** The candle time in ms, or the reason it is not one. */
  private time(raw: unknown): number | string {
    if (raw === null || raw === undefined || raw === '') return 'missing time';
    const asNumber = typeof raw === 'number' ? raw : /^\d+(\.\d+)?$/.test(String(raw)) ? Number(raw) : NaN;
    let ms: number;
    if (Number.isFinite(asNumber)) {
      const format = asNumber >= MS_THRESHOLD ? 'ms' : 's';
      ms = format === 'ms' ? asNumber : asNumber * 1000;
      this.format ??= format;
    } else {
      const text = String(raw).trim();
      // Only ISO 8601 text: V8's Date.parse also accepts free text ("not-a-time-10") as some date.
      if (!ISO_TIME.test(text)) return `not a time: ${JSON.stringify(raw)}`;
      // A time without a zone is read as UTC: exchanges and freqtrade write UTC.
      const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
      ms = Date.parse(zoned);
      if (Number.isNaN(ms)) return `not a time: ${JSON.stringify(raw)}`;
      this.format ??= 'iso';
    }
    if (!Number.isInteger(ms) || ms < 0) return `not a time: ${JSON.stringify(raw)}`;
    return ms;
  }

  result(): ParsedCandles {
    return {
      candles: this.candles,
      rowsRead: this.rowsRead,
      badRows: this.badRows,
      badRowExamples: this.examples,
      timestampFormat: this.format,
      sourceColumns: this.sourceColumns,
    };
  }
}

/** A finite number, null for an empty cell, undefined for anything else. */
function number(raw: unknown): number | null | undefined {
  if (raw === null || raw === undefined || raw === '') return null;
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const lower = raw.toLowerCase();
  if (lower === 'nan' || lower === 'null' || lower === 'na') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}
