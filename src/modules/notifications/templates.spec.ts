import { describe, expect, it } from '@jest/globals';
import { digestContent, signalContent, type SignalView } from './templates.js';

const signal: SignalView = {
  id: 's1',
  timestamp: '2024-01-15T14:00:00.000Z',
  strategy_id: 1,
  strategy_name: 'Alpha',
  strategy_version: 'v1.2',
  pair: 'BTC/USDT',
  timeframe: '1h',
  signal_type: 'SELL',
  strength_raw: 85,
  strength_level: 'strong',
  priority: 'P0',
  price: 42150.5,
  indicators: { rsi: 71.234567, macd: 1, ema: 2, adx: 3, fifth: 4, label: 'x' },
};

describe('templates', () => {
  it('render a signal in the user language and zone with up to 4 indicators', () => {
    const en = signalContent(signal, 'en-US', 'Asia/Shanghai');
    expect(en.title).toBe('SELL BTC/USDT 1h');
    expect(en.tone).toBe('sell');
    expect(en.lines.find((l) => l.label === 'Candle')!.value).toBe('2024-01-15 22:00 Asia/Shanghai');
    expect(en.lines.find((l) => l.label === 'Indicators')!.value).toBe('rsi 71.2346, macd 1, ema 2, adx 3');
    expect(en.lines.find((l) => l.label === 'Strategy')!.value).toBe('Alpha v1.2');
    expect(en.smsParams).toMatchObject({ side: 'SELL', strength: '85', price: '42150.50' });
    const zh = signalContent(signal, 'zh-CN', 'UTC');
    expect(zh.title).toBe('卖出 BTC/USDT 1h');
    expect(zh.lines.map((l) => l.label)).toContain('交易对');
  });

  it('a digest takes the most urgent level of what it carries', () => {
    const p1 = signalContent({ ...signal, priority: 'P1' }, 'en-US', 'UTC');
    const p0 = signalContent(signal, 'en-US', 'UTC');
    const d = digestContent([p1, p0], 'storm', 'en-US', '2024-01-15T14:00:00Z');
    expect(d.level).toBe('P0');
    expect(d.title).toBe('2 signals digest (signal storm)');
    expect(d.items).toHaveLength(2);
  });
});
