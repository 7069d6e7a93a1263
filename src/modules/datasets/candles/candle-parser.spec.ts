import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { CandleFileError, parseCandleFile } from './candle-parser.js';

const dir = mkdtempSync(path.join(tmpdir(), 'candles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string, ext = 'csv'): string {
  const p = path.join(dir, `f${n++}.${ext}`);
  writeFileSync(p, content);
  return p;
}

const T0 = Date.UTC(2025, 0, 1); // 2025-01-01T00:00:00Z

describe('parseCandleFile', () => {
  it.each([
    ['ms', `${T0}`, `${T0 + 300_000}`],
    ['s', `${T0 / 1000}`, `${T0 / 1000 + 300}`],
    ['iso', '2025-01-01T00:00:00Z', '2025-01-01 00:05:00'],
  ])('reads %s timestamps, columns in any order', async (format, t1, t2) => {
    const p = file(`volume,close,Date,open,high,low\n10,101,${t1},100,102,99\n11,102,${t2},101,103,100\n`);
    const out = await parseCandleFile(p, 'csv');
    expect(out.timestampFormat).toBe(format);
    expect(out.candles).toEqual([
      { t: T0, o: 100, h: 102, l: 99, c: 101, v: 10 },
      { t: T0 + 300_000, o: 101, h: 103, l: 100, c: 102, v: 11 },
    ]);
    expect(out.badRows).toBe(0);
  });

  it('counts bad rows with reasons, keeps empty cells as missing', async () => {
    const p = file(
      [
        'timestamp,open,high,low,close,volume',
        `${T0},1,2,0.5,1.5,10`,
        `yesterday,1,2,0.5,1.5,10`,
        `${T0 + 60_000},1,abc,0.5,1.5,10`,
        `${T0 + 120_000},1,2,0.5,,10`,
        `${T0 + 180_000},1,2`,
      ].join('\n'),
    );
    const out = await parseCandleFile(p, 'csv');
    expect(out.candles).toHaveLength(2);
    expect(out.candles[1]).toEqual({ t: T0 + 120_000, o: 1, h: 2, l: 0.5, c: null, v: 10 });
    expect(out.badRows).toBe(3);
    expect(out.badRowExamples.map((b) => b.reason)).toEqual([
      expect.stringContaining('not a time'),
      expect.stringContaining('high is not a number'),
      expect.stringMatching(/column|record/i),
    ]);
  });

  it('refuses a file without the required columns, naming them', async () => {
    const p = file('time,price\n1,2\n');
    await expect(parseCandleFile(p, 'csv')).rejects.toThrow(
      /missing column\(s\) open, high, low, close, volume/,
    );
  });

  it('reads freqtrade JSON arrays and JSON objects', async () => {
    const arrays = await parseCandleFile(
      file(
        JSON.stringify([
          [T0, 1, 2, 0.5, 1.5, 3],
          [T0 + 60_000, 1, 2],
        ]),
        'json',
      ),
      'json',
    );
    expect(arrays.candles).toEqual([{ t: T0, o: 1, h: 2, l: 0.5, c: 1.5, v: 3 }]);
    expect(arrays.badRows).toBe(1);
    const objects = await parseCandleFile(
      file(
        JSON.stringify([{ date: '2025-01-01T00:00:00Z', open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 }]),
        'json',
      ),
      'json',
    );
    expect(objects.candles).toEqual([{ t: T0, o: 1, h: 2, l: 0.5, c: 1.5, v: 3 }]);
  });

  it('says so when JSON is not an array of candles', async () => {
    await expect(parseCandleFile(file('{"a":1}', 'json'), 'json')).rejects.toThrow(CandleFileError);
    await expect(parseCandleFile(file('[{"open":', 'json'), 'json')).rejects.toThrow(CandleFileError);
  });
});
