import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TaskRunner } from '../../src/modules/tasks/task-runner.service.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const API = '/api/v1/data';
const M5 = 300_000;
const T0 = Date.UTC(2025, 2, 3); // 2025-03-03T00:00:00Z

/** A deterministic series: close = 100 + i, with candle 7 and 8 missing and candle 3 repeated. */
function series(): { t: number; o: number; h: number; l: number; c: number; v: number }[] {
  const out = [];
  for (let i = 0; i < 20; i++) {
    if (i === 7 || i === 8) continue;
    const c = 100 + i;
    out.push({ t: T0 + i * M5, o: c - 0.5, h: c + 1, l: c - 1, c, v: 10 + (i % 4) });
    if (i === 3) out.push({ t: T0 + i * M5, o: c - 0.5, h: c + 1, l: c - 1, c, v: 10 + (i % 4) });
  }
  return out;
}

const csv = (time: (ms: number) => string | number, extra: string[] = []) =>
  [
    'Date,Open,High,Low,Close,Volume',
    ...series().map((r) => `${time(r.t)},${r.o},${r.h},${r.l},${r.c},${r.v}`),
    ...extra,
  ].join('\n');

async function multipart(fields: Record<string, string>, file?: { name: string; content: string | Buffer }) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  if (file) fd.append('file', new Blob([file.content]), file.name);
  const r = new Response(fd);
  return { payload: Buffer.from(await r.arrayBuffer()), contentType: r.headers.get('content-type')! };
}

/** pandas' describe() for one column, written out independently of the service's code. */
function describeColumn(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const q = (p: number) => {
    const h = (n - 1) * p;
    return s[Math.floor(h)]! + (h - Math.floor(h)) * (s[Math.ceil(h)]! - s[Math.floor(h)]!);
  };
  return {
    count: n,
    min: s[0],
    max: s[n - 1],
    mean,
    std: Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)),
    q25: q(0.25),
    q50: q(0.5),
    q75: q(0.75),
  };
}

describe.each(MODES)('datasets (%s)', (mode) => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ mode, env: { RATE_LIMIT_MAX: '0', DATASET_MAX_BYTES: '65536' } });
    [alice, bob] = [await createUser(t), await createUser(t)];
  });
  afterAll(async () => {
    await t?.close();
  });

  async function upload(
    u: TestUser,
    fields: Record<string, string>,
    file?: { name: string; content: string | Buffer },
  ) {
    const { payload, contentType } = await multipart(fields, file);
    return t.request({
      method: 'POST',
      url: `${API}/upload`,
      payload,
      headers: { ...bearer(u.accessToken), 'content-type': contentType },
    });
  }
  const get = (u: TestUser, p: string) =>
    t.request({ method: 'GET', url: `${API}${p}`, headers: bearer(u.accessToken) });
  async function settled(u: TestUser, created: { id: number; task_id: string }) {
    await t.app.get(TaskRunner).wait(created.task_id);
    return body(await get(u, `/datasets/${created.id}`)).data;
  }
  const fields = { name: 'btc 5m', pair: 'BTC/USDT', timeframe: '5m' };

  it.each([
    ['ms', (ms: number) => ms],
    ['s', (ms: number) => ms / 1000],
    ['iso', (ms: number) => new Date(ms).toISOString()],
  ])(
    'uploads a CSV with %s timestamps and finds its statistics, gaps and duplicates',
    async (format, time) => {
      const res = await upload(alice, fields, { name: 'candles.csv', content: csv(time) });
      expect(res.statusCode).toBe(202);
      const created = body(res).data;
      expect(created).toMatchObject({
        name: 'btc 5m',
        status: 'processing',
        upload_progress: 100,
        processing_progress: 0,
      });
      const d = await settled(alice, created);
      expect(d.status).toBe('ready');
      expect(d.row_count).toBe(19);
      expect(d.statistics.parse.timestamp_format).toBe(format);
      expect(d.statistics.numerical_summary.close).toEqual(
        Object.fromEntries(
          Object.entries(describeColumn(series().map((r) => r.c))).map(([k, v]) => [
            k,
            expect.closeTo(v!, 9),
          ]),
        ),
      );
      expect(d.statistics.candles).toMatchObject({
        gap_count: 1,
        missing_candles: 2,
        gaps: [
          {
            after: new Date(T0 + 6 * M5).toISOString(),
            before: new Date(T0 + 9 * M5).toISOString(),
            missing_candles: 2,
          },
        ],
        duplicates: 1,
        ohlc_violations: 0,
      });
      expect(d.columns.map((c: { name: string }) => c.name)).toEqual([
        'timestamp',
        'open',
        'high',
        'low',
        'close',
        'volume',
      ]);
      expect(d.sample_data[0]).toEqual({
        timestamp: new Date(T0).toISOString(),
        open: 99.5,
        high: 101,
        low: 99,
        close: 100,
        volume: 10,
      });
      expect(d.backtestable).toBe(true);
      // freqtrade's own layout and json format, so a backtest reads it as it is
      const file = path.join(t.dataDir, 'datasets', String(d.id), 'data', 'binance', 'BTC_USDT-5m.json');
      expect(d.file_path ?? file).toBeDefined();
      const rows = JSON.parse(readFileSync(file, 'utf8')) as number[][];
      expect(rows).toHaveLength(19);
      expect(rows[0]).toEqual([T0, 99.5, 101, 99, 100, 10]);
    },
  );

  it('counts bad rows, reports the first 20 with reasons, keeps going', async () => {
    const bad = Array.from({ length: 25 }, (_, i) => `not-a-time-${i},1,2,0.5,1.5,1`);
    const d = await settled(
      alice,
      body(await upload(alice, fields, { name: 'c.csv', content: csv((ms) => ms, bad) })).data,
    );
    expect(d.status).toBe('ready');
    expect(d.row_count).toBe(19);
    expect(d.statistics.parse.bad_rows).toBe(25);
    expect(d.statistics.parse.bad_row_examples).toHaveLength(20);
    expect(d.statistics.parse.bad_row_examples[0].reason).toMatch(/not a time/);
  });

  it('marks a file without candles as error, with the reason', async () => {
    const d = await settled(
      alice,
      body(await upload(alice, fields, { name: 'c.csv', content: 'when,price\n1,2\n' })).data,
    );
    expect(d.status).toBe('error');
    expect(d.error_message).toMatch(/missing column\(s\) timestamp, open/);
  });

  it('refuses an oversized upload with 413 and leaves nothing behind', async () => {
    const big = csv((ms) => ms) + '\n' + 'x'.repeat(70_000);
    const res = await upload(alice, fields, { name: 'big.csv', content: big });
    expect(res.statusCode).toBe(413);
    expect(body(res).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(readdirSync(path.join(t.dataDir, 'datasets', '.incoming'))).toEqual([]);
  });

  it('answers bad uploads with 4xx: not multipart, no file, wrong type, bad fields', async () => {
    const json = await t.request({
      method: 'POST',
      url: `${API}/upload`,
      payload: {},
      headers: bearer(alice.accessToken),
    });
    expect(json.statusCode).toBe(415);
    expect((await upload(alice, fields)).statusCode).toBe(400);
    expect((await upload(alice, fields, { name: 'c.xlsx', content: 'x' })).statusCode).toBe(415);
    const badFields = await upload(
      alice,
      { name: 'x', pair: 'btc', timeframe: '7m' },
      { name: 'c.csv', content: csv((ms) => ms) },
    );
    expect(badFields.statusCode).toBe(400);
    expect(
      body(badFields)
        .error.details.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['pair', 'timeframe']);
    expect(readdirSync(path.join(t.dataDir, 'datasets', '.incoming'))).toEqual([]);
  });

  it('reads freqtrade-style JSON arrays', async () => {
    const content = JSON.stringify(series().map((r) => [r.t, r.o, r.h, r.l, r.c, r.v]));
    const d = await settled(alice, body(await upload(alice, fields, { name: 'c.json', content })).data);
    expect(d).toMatchObject({ status: 'ready', row_count: 19, file_type: 'json' });
  });

  it('preprocesses into a new dataset and leaves the original byte-identical', async () => {
    const original = await settled(
      alice,
      body(await upload(alice, fields, { name: 'c.csv', content: csv((ms) => ms) })).data,
    );
    const file = path.join(t.dataDir, 'datasets', String(original.id), 'data', 'binance', 'BTC_USDT-5m.json');
    const hash = () => createHash('sha256').update(readFileSync(file)).digest('hex');
    const before = hash();
    const res = await t.request({
      method: 'POST',
      url: `${API}/datasets/${original.id}/preprocess`,
      headers: bearer(alice.accessToken),
      payload: { operations: [{ type: 'drop_duplicates' }, { type: 'resample', timeframe: '15m' }] },
    });
    expect(res.statusCode).toBe(202);
    const derived = await settled(alice, body(res).data);
    expect(derived).toMatchObject({
      status: 'ready',
      timeframe: '15m',
      file_type: 'derived',
      backtestable: true,
    });
    expect(derived.lineage.parent_id).toBe(original.id);
    // 18 distinct 5m candles over 20 slots → 7 buckets of 15m (the gap leaves one bucket short, none empty)
    expect(derived.row_count).toBe(7);
    expect(derived.sample_data[0]).toMatchObject({
      open: 99.5,
      high: 103,
      low: 99,
      close: 102,
      volume: 10 + 11 + 12,
    });
    expect(hash()).toBe(before);
    expect(body(await get(alice, `/datasets/${original.id}`)).data.row_count).toBe(19);

    const normalised = await settled(
      alice,
      body(
        await t.request({
          method: 'POST',
          url: `${API}/datasets/${original.id}/preprocess`,
          headers: bearer(alice.accessToken),
          payload: { operations: [{ type: 'normalize', method: 'min_max', columns: ['close'] }] },
        }),
      ).data,
    );
    expect(normalised.backtestable).toBe(false);

    const bad = await t.request({
      method: 'POST',
      url: `${API}/datasets/${original.id}/preprocess`,
      headers: bearer(alice.accessToken),
      payload: {
        operations: [{ type: 'smooth' }, { type: 'fill_missing', method: 'drop', columns: ['price'] }],
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(body(bad).error.details)).toMatch(
      /operations\[0\]\.type.*unknown column\(s\) price/,
    );
  });

  it('keeps datasets private, lists with filters, and deletes files with the row', async () => {
    const d = await settled(
      alice,
      body(await upload(alice, { ...fields, pair: 'ETH/USDT' }, { name: 'c.csv', content: csv((ms) => ms) }))
        .data,
    );
    expect((await get(bob, `/datasets/${d.id}`)).statusCode).toBe(404);
    expect(body(await get(bob, '/datasets')).data.datasets).toEqual([]);
    const listed = body(await get(alice, '/datasets?pair=ETH/USDT&status=ready'));
    expect(listed.data.datasets.map((x: { id: number }) => x.id)).toEqual([d.id]);
    expect(listed.pagination.total).toBe(1);
    expect(
      (
        await t.request({
          method: 'DELETE',
          url: `${API}/datasets/${d.id}`,
          headers: bearer(bob.accessToken),
        })
      ).statusCode,
    ).toBe(404);
    const del = await t.request({
      method: 'DELETE',
      url: `${API}/datasets/${d.id}`,
      headers: bearer(alice.accessToken),
    });
    expect(del.statusCode).toBe(200);
    expect(existsSync(path.join(t.dataDir, 'datasets', String(d.id)))).toBe(false);
    expect((await get(alice, `/datasets/${d.id}`)).statusCode).toBe(404);
  });
});
