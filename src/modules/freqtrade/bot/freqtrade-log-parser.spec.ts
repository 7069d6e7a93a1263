import { describe, expect, it } from '@jest/globals';
import { FreqtradeLogParser } from './freqtrade-log-parser.js';

describe('FreqtradeLogParser', () => {
  it('parses prefixed lines with their UTC time, logger and level', () => {
    const p = new FreqtradeLogParser();
    const done = p.push(
      '2026-11-23 03:38:11,083 - freqtrade.worker - INFO - Starting worker 2025.8\n' +
        '2026-11-23 03:38:12,500 - freqtrade.strategy.interface - WARNING - Empty candle (OHLCV) data for pair X\n',
    );
    expect(done).toEqual([
      {
        timestamp: new Date('2026-11-23T03:38:11.083Z'),
        logger: 'freqtrade.worker',
        level: 'INFO',
        message: 'Starting worker 2025.8',
      },
    ]);
    expect(p.flush()).toEqual([
      expect.objectContaining({ level: 'WARNING', message: 'Empty candle (OHLCV) data for pair X' }),
    ]);
  });

  it('returns records completed across chunk boundaries, including a line split mid-way', () => {
    const p = new FreqtradeLogParser();
    const a = p.push(
      '2026-11-23 03:38:11,083 - freqtrade - ERROR - Fatal exception!\nTraceback (most recent call last):\n  File "x.py"',
    );
    const b = p.push(', line 1\nValueError: boom\n2026-11-23 03:38:12,000 - freqtrade - INFO - next\n');
    expect(a).toEqual([]);
    expect(b).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message:
          'Fatal exception!\nTraceback (most recent call last):\n  File "x.py", line 1\nValueError: boom',
      }),
    ]);
    expect(p.flush()).toEqual([expect.objectContaining({ level: 'INFO', message: 'next' })]);
  });

  it('keeps unprefixed text before any record as INFO without a time', () => {
    const p = new FreqtradeLogParser();
    p.push('Some banner\n');
    expect(p.flush()).toEqual([{ timestamp: null, logger: null, level: 'INFO', message: 'Some banner' }]);
  });

  it('handles CRLF and trailing spaces, and ignores blank lines', () => {
    const p = new FreqtradeLogParser();
    p.push('2026-11-23 03:38:11,083 - freqtrade - CRITICAL - bad   \r\n\r\n');
    expect(p.flush()).toEqual([expect.objectContaining({ level: 'CRITICAL', message: 'bad' })]);
  });
});
