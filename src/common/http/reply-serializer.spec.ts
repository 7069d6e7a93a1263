import { describe, expect, it } from '@jest/globals';
import { successEnvelope } from './envelope.js';
import { JsonFragment } from './json-fragment.js';
import { serializeReply } from './reply-serializer.js';

const text = (body: string | Buffer) => (Buffer.isBuffer(body) ? body.toString('utf8') : body);

describe('serializeReply', () => {
  const data = {
    pair: 'BTC/USDT',
    data: [{ t: '2024-01-15T14:25:00.000Z', close: 0.1 + 0.2 }],
    note: 'a"b\u2028 ünïcødé ✓',
  };

  it('gives the same JSON for an envelope with a fragment as for the plain value, keys in order', () => {
    const plain = successEnvelope(data, 'req-1', 'Success', {
      page: 1,
      page_size: 2,
      total: 3,
      total_pages: 2,
    });
    const spliced = serializeReply({ ...plain, data: JsonFragment.of(data) });
    expect(Buffer.isBuffer(spliced)).toBe(true);
    expect(text(spliced)).toBe(JSON.stringify(plain));
    expect(Object.keys(JSON.parse(text(spliced)))).toEqual(Object.keys(plain));
  });

  it('handles a fragment first or last and leaves out undefined values like JSON.stringify', () => {
    expect(text(serializeReply({ data: JsonFragment.of([1, null]), skipped: undefined }))).toBe(
      '{"data":[1,null]}',
    );
    expect(text(serializeReply({ data: JsonFragment.of('x'), message: 'ok' }))).toBe(
      '{"data":"x","message":"ok"}',
    );
  });

  it('leaves every other payload to JSON.stringify, as a string', () => {
    for (const p of [null, [1, 2], { success: false, error: { code: 'X' } }, { data: { a: 1 } }, 'text']) {
      expect(serializeReply(p)).toBe(JSON.stringify(p));
    }
  });

  it('a fragment stringified anywhere else yields its value, and value() is a copy', () => {
    const f = JsonFragment.of(data);
    expect(JSON.stringify({ x: f })).toBe(JSON.stringify({ x: data }));
    const v = f.value();
    v.pair = 'changed';
    expect(f.value().pair).toBe('BTC/USDT');
  });
});
