import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { SignalsService } from '../../src/modules/signals/signals.service.js';
import { TaskRunner } from '../../src/modules/tasks/task-runner.service.js';
import { startBinanceEmulator } from '../emulators/binance/server.mjs';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { FREQTRADE_BIN, describeIfFreqtrade } from '../support/freqtrade.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const FIXTURES = path.resolve('test/fixtures/strategies');
const M5 = 300_000;
const T0 = Date.UTC(2025, 2, 3);

/**
 * 60 flat 5m candles whose opens step at known places, with entry markers (volume 777) on candles 5,
 * 20, 40 and exit markers (555) on 15, 30, 50. freqtrade trades at the next candle's open, so the
 * trades are 100 → 110 (+10 %), 125 → 112.5 (−10 %), 100 → 105 (+5 %): with a stake of 100 and no fee,
 * +10, −10 and +5 on a 1,000 wallet.
 */
function fixtureCsv(): string {
  const open = (i: number) =>
    i < 16 ? 100 : i < 21 ? 110 : i < 31 ? 125 : i < 41 ? 112.5 : i < 51 ? 100 : 105;
  const volume = (i: number) => ([5, 20, 40].includes(i) ? 777 : [15, 30, 50].includes(i) ? 555 : 10);
  const rows = ['timestamp,open,high,low,close,volume'];
  for (let i = 0; i < 60; i++)
    rows.push(`${T0 + i * M5},${open(i)},${open(i)},${open(i)},${open(i)},${volume(i)}`);
  return rows.join('\n');
}

describeIfFreqtrade('evaluations with real freqtrade backtests', () => {
  let t: TestApp;
  let emu: Awaited<ReturnType<typeof startBinanceEmulator>>;
  let alice: TestUser;
  let bob: TestUser;
  let datasetId: number;
  let strategyId: number;

  const api = (u: TestUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    t.request({
      method,
      url: `/api/v1${url}`,
      headers: bearer(u.accessToken),
      ...(payload ? { payload } : {}),
    });
  async function finished(id: number) {
    const e = body(await api(alice, 'GET', `/evaluations/${id}`)).data;
    await t.app
      .get(TaskRunner)
      .wait(e.task_id)
      .catch(() => undefined);
    return body(await api(alice, 'GET', `/evaluations/${id}`)).data;
  }

  beforeAll(async () => {
    emu = await startBinanceEmulator({ markets: ['BTCUSDT'] });
    t = await startTestApp({
      mode: 'embedded',
      env: {
        FREQTRADE_BIN: FREQTRADE_BIN!,
        EXCHANGE_URL_OVERRIDES: JSON.stringify({ binance: emu.url }),
        RATE_LIMIT_MAX: '0',
      },
    });
    [alice, bob] = [await createUser(t), await createUser(t)];
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    copyFileSync(
      path.join(FIXTURES, 'VolumeMarker.py'),
      path.join(t.dataDir, 'strategies', 'VolumeMarker.py'),
    );

    const fd = new FormData();
    for (const [k, v] of Object.entries({ name: 'markers', pair: 'BTC/USDT', timeframe: '5m' }))
      fd.append(k, v);
    fd.append('file', new Blob([fixtureCsv()]), 'markers.csv');
    const r = new Response(fd);
    const up = await t.request({
      method: 'POST',
      url: '/api/v1/data/upload',
      payload: Buffer.from(await r.arrayBuffer()),
      headers: { ...bearer(alice.accessToken), 'content-type': r.headers.get('content-type')! },
    });
    datasetId = body(up).data.id;
    await t.app.get(TaskRunner).wait(body(up).data.task_id);

    const s = await api(alice, 'POST', '/strategies', {
      name: 'markers',
      config: {
        strategy_class: 'VolumeMarker',
        strategy_file: 'VolumeMarker.py',
        timeframe: '5m',
        pair_whitelist: ['BTC/USDT'],
        exchange: 'binance',
      },
    });
    expect(s.statusCode).toBe(201);
    strategyId = body(s).data.id;
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await emu?.close();
  });

  const config = { initial_capital: 1000, stake_amount: 100, fee: 0 };

  it('backtests a strategy on a dataset and stores freqtrade’s figures exactly', async () => {
    const res = await api(alice, 'POST', '/evaluations', {
      name: 'markers backtest',
      evaluation_type: 'backtest',
      strategy_id: strategyId,
      dataset_id: datasetId,
      config,
    });
    expect(res.statusCode).toBe(202);
    const e = await finished(body(res).data.id);
    expect(e.error_message).toBeNull();
    expect(e.status).toBe('completed');
    expect(e.results).toMatchObject({
      total_trades: 3,
      wins: 2,
      losses: 1,
      win_rate: expect.closeTo(2 / 3, 5),
    });
    expect(e.results.total_return).toBeCloseTo(0.5, 6); // +5 on 1,000
    expect(e.results.profit_total_abs).toBeCloseTo(5, 6);
    expect(e.results.profit_factor).toBeCloseTo(1.5, 6);
    expect(e.results.final_balance).toBeCloseTo(1005, 6);
    const equity = e.charts
      .find((c: { type: string }) => c.type === 'equity_curve')
      .data.map((p: { value: number }) => p.value);
    expect(equity).toEqual([1000, 1010, 1000, 1005]);
    const drawdown = e.charts
      .find((c: { type: string }) => c.type === 'drawdown')
      .data.map((p: { value: number }) => p.value);
    expect(drawdown[2]).toBeCloseTo((-10 / 1010) * 100, 3);
    const benchmark = e.charts.find((c: { type: string }) => c.type === 'benchmark');
    expect(benchmark.config.pair).toBe('BTC/USDT');
    expect(benchmark.data.at(-1).value).toBeCloseTo(5, 6); // 100 → 105 over the tested range

    const strategy = body(await api(alice, 'GET', `/strategies/${strategyId}`)).data;
    expect(strategy.performance).toMatchObject({ total_return: 0.5, win_rate: 66.67 });

    const report = await api(alice, 'GET', `/evaluations/${e.id}/report`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toMatch(/text\/html/);
    expect(report.body).toContain('<svg');
    expect(report.body).toContain('markers backtest');
    expect((await api(bob, 'GET', `/evaluations/${e.id}`)).statusCode).toBe(404);
    expect((await api(bob, 'GET', `/evaluations/${e.id}/report`)).statusCode).toBe(404);
  }, 180_000);

  it('compares two versions on the same data side by side', async () => {
    // v2 never exits on a marker: the first trade stays open to the end of the data.
    const source = readFileSync(path.join(FIXTURES, 'VolumeMarker.py'), 'utf8').replace('== 555', '== -1');
    const put = await api(alice, 'PUT', `/strategies/${strategyId}/source`, { source });
    expect(put.statusCode).toBe(200);
    const versions = body(await api(alice, 'GET', `/strategies/${strategyId}/versions`)).data.versions.map(
      (v: { version: string }) => v.version,
    );
    expect(versions.length).toBeGreaterThanOrEqual(2);
    const res = await api(alice, 'POST', '/evaluations', {
      name: 'v1 vs v2',
      evaluation_type: 'comparison',
      strategy_id: strategyId,
      dataset_id: datasetId,
      config: { ...config, versions: versions.slice(-2) },
    });
    expect(res.statusCode).toBe(202);
    const e = await finished(body(res).data.id);
    expect(e.status).toBe('completed');
    const byVersion = Object.fromEntries(
      e.results.comparison.map((c: { version: string; total_trades: number }) => [c.version, c]),
    );
    expect(Object.keys(byVersion).sort()).toEqual([...versions.slice(-2)].sort());
    const trades = Object.values(byVersion)
      .map((c) => (c as { total_trades: number }).total_trades)
      .sort();
    expect(trades).toEqual([1, 3]);
  }, 240_000);

  it('cancels a running backtest: the freqtrade child is killed and the evaluation ends cancelled', async () => {
    const res = await api(alice, 'POST', '/evaluations', {
      name: 'to cancel',
      evaluation_type: 'risk',
      strategy_id: strategyId,
      dataset_id: datasetId,
      config,
    });
    const id = body(res).data.id;
    const cancelled = await api(alice, 'POST', `/evaluations/${id}/cancel`);
    expect(cancelled.statusCode).toBe(200);
    expect(body(cancelled).data.status).toBe('cancelled');
    expect((await api(alice, 'POST', `/evaluations/${id}/cancel`)).statusCode).toBe(409);
    expect((await api(alice, 'GET', `/evaluations/${id}/report`)).statusCode).toBe(409);
  }, 60_000);

  it('scores the journal’s signals against the dataset’s candles by strength level (signal_quality)', async () => {
    const candle = (i: number) => new Date(T0 + i * M5);
    const ingest = await t.app.get(SignalsService).ingest([
      // BUY at candle 15 (close 100; the next closes 110): strong
      {
        strategyId,
        pair: 'BTC/USDT',
        exchange: 'binance',
        timeframe: '5m',
        candleTime: candle(15),
        kind: 'enter_long',
        strength: 95,
        price: 100,
      },
      // SELL at candle 30 (close 125; the next closes 112.5): weak
      {
        strategyId,
        pair: 'BTC/USDT',
        exchange: 'binance',
        timeframe: '5m',
        candleTime: candle(30),
        kind: 'exit_long',
        strength: 30,
        price: 125,
      },
    ]);
    expect(ingest.stored).toBe(2);
    const res = await api(alice, 'POST', '/evaluations', {
      name: 'quality',
      evaluation_type: 'signal_quality',
      strategy_id: strategyId,
      dataset_id: datasetId,
    });
    expect(res.statusCode).toBe(202);
    const e = await finished(body(res).data.id);
    expect(e.status).toBe('completed');
    const h1 = (level: string) => e.results.by_strength_level[level].horizons[0];
    expect(h1('strong')).toMatchObject({ horizon: 1, count: 1, mean_return: 10, hit_rate: 1 });
    expect(h1('weak')).toMatchObject({ horizon: 1, count: 1, mean_return: 10, hit_rate: 1 });
    // 24 candles after candle 30 is candle 54, whose close is 105: a SELL from 125 gains 16 %
    expect(e.results.by_strength_level.weak.horizons[4]).toMatchObject({ horizon: 24, mean_return: 16 });
    expect(
      e.charts.map((c: { config: { strength_level: string } }) => c.config.strength_level).sort(),
    ).toEqual(['strong', 'weak']);
    expect((await api(alice, 'GET', `/evaluations/${e.id}/report`)).body).toContain('By strength level');
  }, 60_000);

  it('downloads candles with freqtrade download-data through the emulator into a ready dataset', async () => {
    const day = 86_400_000;
    const start = new Date(Math.floor(Date.now() / day) * day - 2 * day);
    const end = new Date(start.getTime() + day);
    const res = await api(alice, 'POST', '/data/download', {
      pairs: ['BTC/USDT'],
      timeframes: ['1h'],
      start_time: start.toISOString().slice(0, 10),
      end_time: end.toISOString().slice(0, 10),
    });
    expect(res.statusCode).toBe(202);
    const started = body(res).data;
    expect(started.datasets).toHaveLength(1);
    await t.app.get(TaskRunner).wait(started.task_id);
    const d = body(await api(alice, 'GET', `/data/datasets/${started.datasets[0].id}`)).data;
    expect(d.error_message).toBeNull();
    expect(d).toMatchObject({
      status: 'ready',
      pair: 'BTC/USDT',
      timeframe: '1h',
      file_type: 'download',
      row_count: 24,
    });
    expect(d.first_candle_at).toBe(start.toISOString());
    // the klines came from the emulator, never from a public host
    expect(emu.requests.some((r: { path: string }) => r.path === '/api/v3/klines')).toBe(true);
  }, 120_000);

  it('downloads the range first when no dataset is named, and backtests on it', async () => {
    const day = 86_400_000;
    const start = new Date(Math.floor(Date.now() / day) * day - 2 * day).toISOString().slice(0, 10);
    const end = new Date(Math.floor(Date.now() / day) * day - day).toISOString().slice(0, 10);
    const res = await api(alice, 'POST', '/evaluations', {
      name: 'downloaded',
      evaluation_type: 'backtest',
      strategy_id: strategyId,
      config: { ...config, start_date: start, end_date: end },
    });
    expect(res.statusCode).toBe(202);
    const e = await finished(body(res).data.id);
    expect(e.error_message).toBeNull();
    expect(e.status).toBe('completed');
    // the emulator's random walk carries no volume markers: the strategy never trades
    expect(e.results.total_trades).toBe(0);
    const d = body(await api(alice, 'GET', `/data/datasets/${e.dataset_id}`)).data;
    expect(d).toMatchObject({
      status: 'ready',
      file_type: 'download',
      pair: 'BTC/USDT',
      timeframe: '5m',
      row_count: 288,
    });
  }, 180_000);

  it('refuses bad requests with clear 4xx', async () => {
    const base = { name: 'x', evaluation_type: 'backtest', strategy_id: strategyId, dataset_id: datasetId };
    expect((await api(alice, 'POST', '/evaluations', { ...base, evaluation_type: 'magic' })).statusCode).toBe(
      400,
    );
    expect((await api(bob, 'POST', '/evaluations', base)).statusCode).toBe(404);
    expect((await api(alice, 'POST', '/evaluations', { ...base, dataset_id: 99999 })).statusCode).toBe(404);
    expect(
      (
        await api(alice, 'POST', '/evaluations', {
          ...base,
          config: { start_date: '2025-03-04', end_date: '2025-03-03' },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (await api(alice, 'POST', '/evaluations', { ...base, evaluation_type: 'comparison' })).statusCode,
    ).toBe(400);
    expect((await api(alice, 'DELETE', `/data/datasets/${datasetId}`)).statusCode).toBe(200);
  });
});
