import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { Events, type SignalCreatedEvent } from '../../src/common/events/event-map.js';
import { monthStart, partitionName } from '../../src/database/partitions.js';
import type { SignalCandidate } from '../../src/modules/signals/signal-candidate.js';
import { SignalsService } from '../../src/modules/signals/signals.service.js';
import { SignalsHotWindow, statsCacheKey } from '../../src/modules/signals/signals-hot-window.service.js';
import { CACHE, SORTED_SETS, type Cache, type SortedSets } from '../../src/infra/cache/cache.port.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES } from '../support/services.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const SOURCE = 'from freqtrade.strategy import IStrategy\n\nclass Probe(IStrategy):\n    pass\n';
const HOUR = 3_600_000;

describe.each(MODES)('signals journal (%s)', (mode) => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let strategyA: number;
  let strategyB: number;
  let bobStrategy: number;
  const events: SignalCreatedEvent[] = [];
  // Candle times on the hour, in the recent past, so 24 h stats see them.
  const base = Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR;
  const at = (h: number) => new Date(base + h * HOUR);

  const createStrategy = async (user: TestUser, name: string, thresholds?: object) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/strategies',
      headers: bearer(user.accessToken),
      payload: {
        name,
        config: {
          strategy_file: 'probe.py',
          strategy_class: 'Probe',
          timeframe: '1h',
          pair_whitelist: ['BTC/USDT', 'ETH/USDT'],
          ...(thresholds ? { signal_thresholds: thresholds } : {}),
        },
      },
    });
    expect(res.statusCode).toBe(201);
    return body(res).data.id as number;
  };
  const candidate = (
    strategyId: number,
    h: number,
    over: Partial<SignalCandidate> = {},
  ): SignalCandidate => ({
    strategyId,
    pair: 'BTC/USDT',
    exchange: 'binance',
    timeframe: '1h',
    candleTime: at(h),
    kind: 'enter_long',
    strength: 85,
    price: 42000 + h,
    indicators: { rsi: 30 + h },
    tag: 'probe',
    freqtradeVersion: '2025.8',
    ...over,
  });
  const list = async (user: TestUser, query = '') => {
    const res = await t.request({
      method: 'GET',
      url: `/api/v1/signals${query}`,
      headers: bearer(user.accessToken),
    });
    expect(res.statusCode).toBe(200);
    return body(res);
  };

  beforeAll(async () => {
    t = await startTestApp({ mode, env: { RATE_LIMIT_MAX: '0' } });
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    writeFileSync(path.join(t.dataDir, 'strategies', 'probe.py'), SOURCE);
    alice = await createUser(t);
    bob = await createUser(t);
    strategyA = await createStrategy(alice, 'Alpha');
    strategyB = await createStrategy(alice, 'Beta', {
      strong_threshold: 90,
      medium_threshold: 60,
      weak_threshold: 30,
    });
    bobStrategy = await createStrategy(bob, 'Alpha');
    t.app.get(EventEmitter2).on(Events.SignalCreated, (e: SignalCreatedEvent) => events.push(e));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('classifies at every threshold edge, stores in one go and emits one event per new signal', async () => {
    const ingest = t.app.get(SignalsService);
    const strengths: [unknown, string | null][] = [
      [79.99, 'medium'],
      [80, 'strong'],
      [80.01, 'strong'],
      [NaN, 'medium'], // default_strength 50
      [150, 'strong'],
      [-5, null],
      [19.99, null],
      [20, 'weak'],
    ];
    const before = events.length;
    const result = await ingest.ingest(strengths.map(([s], i) => candidate(strategyA, i, { strength: s })));
    expect(result).toEqual({ received: 8, stored: 6, duplicates: 0, belowThreshold: 2, unknownStrategy: 0 });
    const stored = (await list(alice, `?strategy_id=${strategyA}&page_size=100`)).data.signals as {
      strength_raw: number;
      strength_level: string;
      priority: string;
      signal_type: string;
      timestamp: string;
    }[];
    const byTime = new Map(stored.map((s) => [s.timestamp, s]));
    strengths.forEach(([raw, level], i) => {
      const s = byTime.get(at(i).toISOString());
      if (level === null) return expect(s).toBeUndefined();
      expect(s?.strength_level).toBe(level);
      expect(s?.priority).toBe({ strong: 'P0', medium: 'P1', weak: 'P2' }[level]);
      if (typeof raw === 'number' && Number.isFinite(raw))
        expect(s?.strength_raw).toBe(Math.min(100, Math.max(0, raw)));
    });
    const mine = events.slice(before);
    expect(mine).toHaveLength(6);
    expect(mine.every((e) => e.ownerId === alice.id && e.signal.strategy_id === strategyA)).toBe(true);
  });

  it('uses each strategy its own thresholds, kinds map to BUY/SELL, unknown strategies are counted', async () => {
    const ingest = t.app.get(SignalsService);
    const r = await ingest.ingest([
      candidate(strategyB, 20, { strength: 85 }), // medium under 90/60/30
      candidate(strategyB, 21, { strength: 25 }), // below 30
      candidate(strategyB, 20, { kind: 'exit_short', strength: 95 }),
      candidate(strategyB, 20, { kind: 'exit_long', strength: 95, pair: 'ETH/USDT' }),
      candidate(999_999, 20),
    ]);
    expect(r).toEqual({ received: 5, stored: 3, duplicates: 0, belowThreshold: 1, unknownStrategy: 1 });
    const rows = (await list(alice, `?strategy_id=${strategyB}`)).data.signals as {
      kind: string;
      signal_type: string;
      strength_level: string;
      strategy_name: string;
      strategy_version: string;
    }[];
    expect(rows.map((s) => [s.kind, s.signal_type, s.strength_level]).sort()).toEqual([
      ['enter_long', 'BUY', 'medium'],
      ['exit_long', 'SELL', 'strong'],
      ['exit_short', 'BUY', 'strong'],
    ]);
    expect(rows.every((s) => s.strategy_name === 'Beta' && s.strategy_version === 'v1.0')).toBe(true);
  });

  it('re-delivered candles are duplicates, not errors, within a batch and across batches', async () => {
    const ingest = t.app.get(SignalsService);
    const again = await ingest.ingest([
      candidate(strategyA, 1, { strength: 80 }),
      candidate(strategyA, 1, { strength: 80 }),
      candidate(strategyA, 30),
    ]);
    expect(again).toMatchObject({ received: 3, stored: 1, duplicates: 2 });
  });

  it('rows land in the partition of their candle month; an old month goes to the default partition until created', async () => {
    const ds = t.app.get(DataSource);
    const [row] = await ds.query(
      `SELECT tableoid::regclass::text AS part FROM signals WHERE strategy_id = $1 LIMIT 1`,
      [strategyA],
    );
    expect(row.part).toBe(partitionName('signals', monthStart(at(0))));
    await t.app
      .get(SignalsService)
      .ingest([candidate(strategyA, 0, { candleTime: new Date('2020-02-03T04:00:00Z') })]);
    const [old] = await ds.query(
      `SELECT tableoid::regclass::text AS part FROM signals WHERE timestamp = '2020-02-03T04:00:00Z'`,
    );
    expect(old.part).toBe('signals_default');
  });

  it('filters, newest first, and pages by offset and by cursor without gaps or repeats', async () => {
    const all = (await list(alice, `?strategy_id=${strategyA}&page_size=100`)).data.signals as {
      id: string;
      timestamp: string;
    }[];
    const times = all.map((s) => Date.parse(s.timestamp));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const seen: string[] = [];
    let cursor: string | null = null;
    let first = true;
    while (first || cursor) {
      const page = await list(
        alice,
        `?strategy_id=${strategyA}&page_size=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      if (first) expect(page.pagination).toMatchObject({ page: 1, page_size: 2, total: all.length });
      else expect(page.pagination).toBeUndefined();
      first = false;
      seen.push(...page.data.signals.map((s: { id: string }) => s.id));
      cursor = page.data.next_cursor;
    }
    expect(seen).toEqual(all.map((s) => s.id));
    const eth = await list(alice, `?pair=ETH/USDT`);
    expect(eth.data.signals.every((s: { pair: string }) => s.pair === 'ETH/USDT')).toBe(true);
    const strong = await list(alice, `?strength_level=strong&signal_type=BUY&priority=P0`);
    expect(strong.data.signals.length).toBeGreaterThan(0);
    expect(
      strong.data.signals.every(
        (s: { strength_level: string; signal_type: string }) =>
          s.strength_level === 'strong' && s.signal_type === 'BUY',
      ),
    ).toBe(true);
    const ranged = await list(
      alice,
      `?strategy_id=${strategyA}&start_time=${at(2).toISOString()}&end_time=${at(4).toISOString()}`,
    );
    expect(ranged.data.signals.map((s: { timestamp: string }) => s.timestamp).sort()).toEqual(
      [at(2).toISOString(), at(3).toISOString()].filter((x) => all.some((s) => s.timestamp === x)).sort(),
    );
  });

  it('rejects bad filters with 400', async () => {
    for (const q of [
      '?signal_type=MAYBE',
      '?strength_level=huge',
      `?start_time=${at(5).toISOString()}&end_time=${at(1).toISOString()}`,
      '?start_time=2020-01-01T00:00:00Z',
      '?cursor=bm9wZQ',
      '?pair=btcusdt',
      '?page_size=101',
    ]) {
      const res = await t.request({
        method: 'GET',
        url: `/api/v1/signals${q}`,
        headers: bearer(alice.accessToken),
      });
      expect([q, res.statusCode, body(res).error?.code]).toEqual([q, 400, 'VALIDATION_ERROR']);
    }
  });

  it('GET /signals/{id}: own signal in full, another user’s or a missing one is 404, a non-UUID 400', async () => {
    const one = (await list(alice, `?strategy_id=${strategyA}&page_size=1`)).data.signals[0];
    const res = await t.request({
      method: 'GET',
      url: `/api/v1/signals/${one.id}`,
      headers: bearer(alice.accessToken),
    });
    expect(body(res).data).toMatchObject({
      id: one.id,
      strategy_name: 'Alpha',
      exchange: 'binance',
      timeframe: '1h',
      tag: 'probe',
      freqtrade_version: '2025.8',
      notification_sent: false,
      notification_channels: [],
    });
    expect(body(res).data.indicators).toEqual({ rsi: expect.any(Number) });
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/signals/${one.id}`, headers: bearer(bob.accessToken) }))
        .statusCode,
    ).toBe(404);
    expect(
      (
        await t.request({
          method: 'GET',
          url: '/api/v1/signals/not-a-uuid',
          headers: bearer(alice.accessToken),
        })
      ).statusCode,
    ).toBe(400);
  });

  it('users never see each other’s signals, even for strategies of the same name', async () => {
    await t.app.get(SignalsService).ingest([candidate(bobStrategy, 3)]);
    const bobs = await list(bob);
    expect(bobs.data.signals).toHaveLength(1);
    expect(bobs.data.signals[0].strategy_id).toBe(bobStrategy);
    expect(
      (await list(alice)).data.signals.some((s: { strategy_id: number }) => s.strategy_id === bobStrategy),
    ).toBe(false);
  });

  it('stats count the window by type, strength and strategy name', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/api/v1/signals/stats',
      headers: bearer(alice.accessToken),
    });
    const s = body(res).data;
    const inWindow = ((await list(alice, '?page_size=100')).data.signals as { timestamp: string }[]).filter(
      (x) => Date.parse(x.timestamp) >= Date.now() - 24 * HOUR,
    );
    expect(s.window).toBe('24h');
    expect(s.total_signals_24h).toBe(inWindow.length);
    expect(s.by_type.BUY + s.by_type.SELL).toBe(inWindow.length);
    expect(s.by_strength.strong + s.by_strength.medium + s.by_strength.weak).toBe(inWindow.length);
    expect(Object.keys(s.by_strategy).sort()).toEqual(['Alpha', 'Beta']);
    const hour = body(
      await t.request({
        method: 'GET',
        url: '/api/v1/signals/stats?window=1h',
        headers: bearer(alice.accessToken),
      }),
    ).data;
    expect(hour.total_signals).toBeLessThanOrEqual(s.total_signals);
    expect(hour.total_signals_24h).toBe(s.total_signals_24h);
    expect(
      (
        await t.request({
          method: 'GET',
          url: '/api/v1/signals/stats?window=2y',
          headers: bearer(alice.accessToken),
        })
      ).statusCode,
    ).toBe(400);
    // Cached between signals, never past the owner's next one.
    await t.app.get(SignalsService).ingest([candidate(strategyB, 9, { strength: 95 })]);
    const after = body(
      await t.request({ method: 'GET', url: '/api/v1/signals/stats', headers: bearer(alice.accessToken) }),
    ).data;
    expect(after.total_signals_24h).toBe(s.total_signals_24h + 1);
    expect(after.by_strategy.Beta).toBe(s.by_strategy.Beta + 1);
  });

  it('exports the filtered journal as CSV and JSON lines', async () => {
    const csv = await t.request({
      method: 'GET',
      url: `/api/v1/signals/export?format=csv&strategy_id=${strategyA}`,
      headers: bearer(alice.accessToken),
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'id,timestamp,strategy_id,strategy_name,strategy_version,pair,exchange,timeframe,signal_type,kind,strength_raw,strength_level,priority,price,tag,notification_sent,created_at,indicators',
    );
    const count = (await list(alice, `?strategy_id=${strategyA}&page_size=100`)).data.signals.length;
    expect(lines).toHaveLength(count + 1);
    expect(lines[1]).toContain('"{""rsi"":');
    const jsonl = await t.request({
      method: 'GET',
      url: `/api/v1/signals/export?format=jsonl&strategy_id=${strategyA}`,
      headers: bearer(alice.accessToken),
    });
    const rows = jsonl.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { strategy_id: number });
    expect(rows).toHaveLength(count);
    expect(rows.every((r) => r.strategy_id === strategyA)).toBe(true);
  });

  it('a deleted strategy keeps its signals', async () => {
    const doomed = await createStrategy(alice, 'Doomed');
    await t.app.get(SignalsService).ingest([candidate(doomed, 5)]);
    expect(
      (
        await t.request({
          method: 'DELETE',
          url: `/api/v1/strategies/${doomed}`,
          headers: bearer(alice.accessToken),
        })
      ).statusCode,
    ).toBe(200);
    const rest = await list(alice, `?strategy_id=${doomed}`);
    expect(rest.data.signals).toHaveLength(1);
    expect(rest.data.signals[0].strategy_name).toBe('Doomed');
  });

  it('strategies show their 24 h signal count and last signal time from the hot window', async () => {
    const fresh = await createStrategy(alice, 'Counted');
    const empty = body(
      await t.request({
        method: 'GET',
        url: `/api/v1/strategies/${fresh}`,
        headers: bearer(alice.accessToken),
      }),
    ).data;
    expect(empty).toMatchObject({ signal_count_24h: 0, last_signal_time: null });
    await t.app
      .get(SignalsService)
      .ingest([
        candidate(fresh, 2),
        candidate(fresh, 4, { pair: 'ETH/USDT' }),
        candidate(fresh, 0, { candleTime: new Date(Date.now() - 30 * HOUR) }),
      ]);
    const s = body(
      await t.request({
        method: 'GET',
        url: `/api/v1/strategies/${fresh}`,
        headers: bearer(alice.accessToken),
      }),
    ).data;
    expect(s).toMatchObject({ signal_count_24h: 2, last_signal_time: at(4).toISOString() });
    const listed = body(
      await t.request({
        method: 'GET',
        url: '/api/v1/strategies?page_size=100',
        headers: bearer(alice.accessToken),
      }),
    ).data.strategies;
    expect(listed.find((x: { id: number }) => x.id === fresh)).toMatchObject({ signal_count_24h: 2 });
  });

  it('a new version, a rename or a delete applies to the very next signal, however it was made', async () => {
    const ingest = t.app.get(SignalsService);
    const id = await createStrategy(alice, 'Mutable');
    const config = (thresholds: object) => ({
      strategy_file: 'probe.py',
      strategy_class: 'Probe',
      timeframe: '1h',
      pair_whitelist: ['BTC/USDT', 'ETH/USDT'],
      signal_thresholds: thresholds,
    });
    const stored = async (h: number) =>
      (await list(alice, `?strategy_id=${id}&page_size=100`)).data.signals.find(
        (s: { timestamp: string }) => s.timestamp === at(h).toISOString(),
      ) as { strength_level: string; strategy_name: string; strategy_version: string } | undefined;
    expect(await ingest.ingest([candidate(id, 0, { strength: 70 })])).toMatchObject({ stored: 1 });
    expect((await stored(0))?.strength_level).toBe('medium');
    // A new version through the API (this instance).
    const put = await t.request({
      method: 'PUT',
      url: `/api/v1/strategies/${id}`,
      headers: bearer(alice.accessToken),
      payload: {
        name: 'Mutated',
        config: config({ strong_threshold: 60, medium_threshold: 40, weak_threshold: 10 }),
      },
    });
    expect(put.statusCode).toBe(200);
    expect(await ingest.ingest([candidate(id, 1, { strength: 70 })])).toMatchObject({ stored: 1 });
    expect(await stored(1)).toMatchObject({
      strength_level: 'strong',
      strategy_name: 'Mutated',
      strategy_version: body(put).data.version,
    });
    // A batch that is all below the old weak threshold still meets the new one.
    await t.request({
      method: 'PUT',
      url: `/api/v1/strategies/${id}`,
      headers: bearer(alice.accessToken),
      payload: { config: config({ strong_threshold: 60, medium_threshold: 40, weak_threshold: 5 }) },
    });
    expect(await ingest.ingest([candidate(id, 2, { strength: 7 })])).toMatchObject({
      stored: 1,
      belowThreshold: 0,
    });
    // A change this instance never heard of (another instance's, or by hand): the insert notices.
    await t.app
      .get(DataSource)
      .query(
        `UPDATE strategies SET config = jsonb_set(config, '{signal_thresholds}', $2::jsonb), revision = revision + 1 WHERE id = $1`,
        [id, JSON.stringify({ strong_threshold: 95, medium_threshold: 90, weak_threshold: 85 })],
      );
    expect(
      await ingest.ingest([candidate(id, 3, { strength: 70 }), candidate(id, 4, { strength: 92 })]),
    ).toMatchObject({ stored: 1, belowThreshold: 1, duplicates: 0 });
    expect((await stored(4))?.strength_level).toBe('medium');
    // Deleted: its next signals belong to no strategy.
    await t.request({
      method: 'DELETE',
      url: `/api/v1/strategies/${id}`,
      headers: bearer(alice.accessToken),
    });
    expect(await ingest.ingest([candidate(id, 5, { strength: 99 })])).toMatchObject({
      stored: 0,
      unknownStrategy: 1,
    });
  });

  it('events carry each new signal once, in candidate order, exactly as GET /signals/{id} returns it', async () => {
    const id = await createStrategy(alice, 'Evented');
    const before = events.length;
    const batch = [
      candidate(id, 5, { indicators: { zeta: 1e-7, a: null, mid: Number.NaN, big: 1e21 } }),
      candidate(id, 5, { kind: 'exit_long', strength: '64.444', tag: 'x'.repeat(250) + '🚀'.repeat(10) }),
      candidate(id, 6, { strength: undefined, price: 0.1 + 0.2 }),
      candidate(id, 5),
    ];
    expect(await t.app.get(SignalsService).ingest(batch)).toMatchObject({ stored: 3, duplicates: 1 });
    const mine = events.slice(before).map((e) => e.signal);
    expect(mine.map((s) => [s.timestamp, s.kind])).toEqual([
      [at(5).toISOString(), 'enter_long'],
      [at(5).toISOString(), 'exit_long'],
      [at(6).toISOString(), 'enter_long'],
    ]);
    for (const signal of mine) {
      const res = await t.request({
        method: 'GET',
        url: `/api/v1/signals/${signal.id}`,
        headers: bearer(alice.accessToken),
      });
      expect(signal).toEqual(body(res).data);
    }
    expect(mine[1]!.tag).toBe('x'.repeat(250) + '🚀'.repeat(5)); // 255 characters, as varchar(255) counts
    expect(await t.app.get(SignalsService).ingest(batch)).toMatchObject({ stored: 0, duplicates: 4 });
    expect(events.length).toBe(before + 3);
  });

  it('counts a long list only so far: total is then a lower bound, and exact again near the end', async () => {
    const user = await createUser(t);
    const id = await createStrategy(user, 'Busy');
    const n = 1_050;
    const ingest = t.app.get(SignalsService);
    for (let i = 0; i < n; i += 350)
      await ingest.ingest(
        Array.from({ length: Math.min(350, n - i) }, (_, k) =>
          candidate(id, 0, { candleTime: new Date(base - (i + k) * 60_000), timeframe: '1m' }),
        ),
      );
    const first = await list(user, '?page_size=20');
    expect(first.pagination).toEqual({
      page: 1,
      page_size: 20,
      total: 1000,
      total_pages: 50,
      total_is_lower_bound: true,
    });
    expect(first.data.next_cursor).toEqual(expect.any(String));
    const near = await list(user, '?page_size=20&page=50');
    expect(near.pagination).toMatchObject({ total: n, total_pages: 53, total_is_lower_bound: false });
    const filtered = await list(user, `?strategy_id=${id}&pair=ETH/USDT`);
    expect(filtered.pagination).toMatchObject({ total: 0, total_is_lower_bound: false });
  });

  it('the hot window is rebuilt from PostgreSQL when the cache has lost it', async () => {
    const stats = async () =>
      body(
        await t.request({ method: 'GET', url: '/api/v1/signals/stats', headers: bearer(alice.accessToken) }),
      ).data;
    const before = await stats();
    expect(before.total_signals_24h).toBeGreaterThan(0);
    const sets = t.app.get<SortedSets>(SORTED_SETS);
    await sets.removeBelow(`signals:hot:owner:${alice.id}`, Number.MAX_SAFE_INTEGER);
    // A flushed cache loses everything: the window, its marker and the cached stats.
    await t.app.get<Cache>(CACHE).del('signals:hot-window-built');
    await t.app.get<Cache>(CACHE).del(statsCacheKey(alice.id, '24h'));
    expect((await stats()).total_signals_24h).toBe(0);
    expect(await t.app.get(SignalsHotWindow).rebuildIfEmpty()).toBeGreaterThan(0);
    expect(await stats()).toEqual(before);
    // Built once: a second call does nothing until the cache loses it again.
    expect(await t.app.get(SignalsHotWindow).rebuildIfEmpty()).toBe(0);
  });
});
