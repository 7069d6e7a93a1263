import { describe, expect, it } from '@jest/globals';
import { FrameError, candidatesFrom, parseBotMessage, type CaptureSettings } from './analyzed-df.js';

/** A frame exactly as freqtrade 2025.8 sends it (captured from a real bot): a dataframe as a JSON string. */
function frame(columns: string[], rows: unknown[][], key: unknown[] = ['BTC/USDT', '1m', 'spot']): string {
  const value = JSON.stringify({ columns, index: rows.map((_, i) => i), data: rows });
  return JSON.stringify({
    type: 'analyzed_df',
    data: { key, df: { __type__: 'dataframe', __value__: value }, la: '2026-11-23T03:38:11.913302+00:00' },
  });
}

const settings: CaptureSettings = {
  strategyId: 7,
  exchange: 'binance',
  strengthColumn: 'signal_strength',
  indicatorColumns: [],
  freqtradeVersion: '2025.8',
};

const COLS = [
  'date',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'rsi',
  'signal_strength',
  'enter_tag',
  'enter_long',
  'exit_tag',
  'exit_long',
];

function analyzed(raw: string) {
  const m = parseBotMessage(raw);
  if (m.type !== 'analyzed_df') throw new Error('not analyzed_df');
  return m;
}

describe('analyzed_df frames', () => {
  it('turns each signal column equal to 1 into a candidate, with strength, tag, price, indicators', () => {
    const m = analyzed(
      frame(COLS, [
        [1795405020000, 99, 107, 98, 106, 10, 55.5, 95, 'cross_up', 1.0, '', null],
        [1795405080000, 106, 106, 97, 98, 10, 40.1, 60, '', null, 'cross_down', 1],
        [1795405140000, 98, 99, 97, 98, 10, 41, 60, '', null, '', null],
      ]),
    );
    expect(candidatesFrom(m, settings)).toEqual([
      {
        strategyId: 7,
        pair: 'BTC/USDT',
        exchange: 'binance',
        timeframe: '1m',
        candleTime: new Date(1795405020000),
        kind: 'enter_long',
        strength: 95,
        price: 106,
        indicators: { rsi: 55.5 },
        tag: 'cross_up',
        freqtradeVersion: '2025.8',
      },
      expect.objectContaining({ kind: 'exit_long', tag: 'cross_down', price: 98, strength: 60 }),
    ]);
  });

  it('passes NaN (null) strength on as NaN and a missing strength column as undefined', () => {
    const withNull = analyzed(frame(COLS, [[1, 1, 1, 1, 1, 1, null, null, '', 1, '', null]]));
    expect(candidatesFrom(withNull, settings)[0].strength).toBeNaN();
    const cols = COLS.filter((c) => c !== 'signal_strength');
    const without = analyzed(frame(cols, [[1, 1, 1, 1, 1, 1, 3, '', 1, '', null]]));
    expect(candidatesFrom(without, settings)[0].strength).toBeUndefined();
  });

  it('reads short kinds and futures keys', () => {
    const cols = ['date', 'close', 'enter_short', 'exit_short', 'enter_tag', 'exit_tag'];
    const m = analyzed(frame(cols, [[1000, 5, 1, 1, 'a', 'b']], ['BTC/USDT:USDT', '5m', 'futures']));
    expect(m.candleType).toBe('futures');
    expect(candidatesFrom(m, settings).map((c) => [c.kind, c.tag, c.pair])).toEqual([
      ['enter_short', 'a', 'BTC/USDT:USDT'],
      ['exit_short', 'b', 'BTC/USDT:USDT'],
    ]);
  });

  it('takes only configured indicator columns when given (missing → null)', () => {
    const m = analyzed(frame(COLS, [[1, 1, 1, 1, 1, 1, 30, 90, '', 1, '', null]]));
    expect(candidatesFrom(m, { ...settings, indicatorColumns: ['rsi', 'macd'] })[0].indicators).toEqual({
      rsi: 30,
      macd: null,
    });
  });

  it('caps the default indicator snapshot at 32 numeric columns', () => {
    const extra = Array.from({ length: 40 }, (_, i) => `ind${i}`);
    const cols = ['date', 'close', 'enter_long', 'label', ...extra];
    const m = analyzed(frame(cols, [[1, 2, 1, 'text', ...extra.map((_, i) => i)]]));
    const ind = candidatesFrom(m, settings)[0].indicators!;
    expect(Object.keys(ind)).toHaveLength(32);
    expect(ind).not.toHaveProperty('label');
    expect(ind).not.toHaveProperty('close');
  });

  it('skips rows without a usable date or close and columns that are not exactly 1', () => {
    const m = analyzed(
      frame(COLS, [
        [null, 1, 1, 1, 1, 1, 1, 90, '', 1, '', null],
        [1, 1, 1, 1, null, 1, 1, 90, '', 1, '', null],
        [2, 1, 1, 1, 1, 1, 1, 90, '', 0.5, '', true],
      ]),
    );
    expect(candidatesFrom(m, settings)).toEqual([]);
  });

  it('reads an empty frame (a pair not analysed yet) as no rows', () => {
    const m = analyzed(
      JSON.stringify({
        type: 'analyzed_df',
        data: {
          key: ['BTC/USDT', '1m', 'spot'],
          df: { __type__: 'dataframe', __value__: '{"columns":[],"index":[],"data":[]}' },
        },
      }),
    );
    expect(m.rows).toEqual([]);
  });

  it.each([
    ['not json', 'frame is not JSON'],
    ['[]', 'frame has no type'],
    ['{"type":"analyzed_df","data":{}}', 'analyzed_df without a key'],
    [
      '{"type":"analyzed_df","data":{"key":["A/B","1m"],"df":{"__type__":"dataframe","__value__":"{"}}}',
      'dataframe payload is not JSON',
    ],
    [
      '{"type":"analyzed_df","data":{"key":["A/B","1m"],"df":{"__type__":"x"}}}',
      'df is not a serialised dataframe',
    ],
    [
      '{"type":"analyzed_df","data":{"key":["A/B","1m"],"df":{"__type__":"dataframe","__value__":"{\\"columns\\":[\\"a\\"],\\"data\\":[[1,2]]}"}}}',
      'dataframe row has the wrong width',
    ],
  ])('refuses a malformed frame %s', (raw, message) => {
    expect(() => parseBotMessage(raw)).toThrow(new FrameError(message));
  });

  it('reads the other message types', () => {
    expect(parseBotMessage('{"type":"warning","status":"careful"}')).toEqual({
      type: 'warning',
      text: 'careful',
    });
    expect(parseBotMessage('{"type":"new_candle","data":["BTC/USDT","1m","spot"]}')).toEqual({
      type: 'new_candle',
      pair: 'BTC/USDT',
      timeframe: '1m',
    });
    expect(parseBotMessage('{"type":"whitelist","data":["BTC/USDT"]}')).toEqual({
      type: 'whitelist',
      pairs: ['BTC/USDT'],
    });
    expect(parseBotMessage('{"type":"entry_fill"}')).toEqual({ type: 'other', name: 'entry_fill' });
  });
});
