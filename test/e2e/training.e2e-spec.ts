import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { getRepositoryToken } from '@nestjs/typeorm';
import { io, type Socket } from 'socket.io-client';
import type { Repository } from 'typeorm';
import { WebSocket } from 'ws';
import { TrainingJob } from '../../src/modules/training/entities/training-job.entity.js';
import { TrainingRecovery } from '../../src/modules/training/training-recovery.listener.js';
import { TaskRunner } from '../../src/modules/tasks/task-runner.service.js';
import { startBinanceEmulator } from '../emulators/binance/server.mjs';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { FREQTRADE_BIN, describeIfFreqtrade } from '../support/freqtrade.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const FIXTURES = path.resolve('test/fixtures/strategies');
const M5 = 300_000;
const T0 = Date.UTC(2025, 0, 1);

/** Ten days of 5m candles, a seeded random walk (xorshift): the same file on every run. */
function candlesCsv(): string {
  let x = 0x9e3779b9;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const rows = ['timestamp,open,high,low,close,volume'];
  let p = 100;
  for (let i = 0; i < 2880; i++) {
    const o = p;
    p = p * (1 + (rand() - 0.5) * 0.01);
    rows.push(
      `${T0 + i * M5},${o.toFixed(4)},${(Math.max(o, p) * 1.001).toFixed(4)},${(Math.min(o, p) * 0.999).toFixed(4)},${p.toFixed(4)},${(10 + rand() * 5).toFixed(3)}`,
    );
  }
  return rows.join('\n');
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeIfFreqtrade('training jobs: real freqtrade hyperopt', () => {
  let t: TestApp;
  let url: string;
  let emu: Awaited<ReturnType<typeof startBinanceEmulator>>;
  let alice: TestUser;
  let bob: TestUser;
  let datasetId: number;
  let strategyId: number;
  let plainId: number;
  let trained: { id: number; parameters: Record<string, any> };

  const api = (u: TestUser, method: 'GET' | 'POST' | 'DELETE', u2: string, payload?: object) =>
    t.request({
      method,
      url: `/api/v1${u2}`,
      headers: bearer(u.accessToken),
      ...(payload ? { payload } : {}),
    });
  const job = async (id: number) => body(await api(alice, 'GET', `/training/jobs/${id}`)).data;
  const submit = (over: Record<string, unknown> = {}, hp: Record<string, unknown> = { epochs: 20 }) =>
    api(alice, 'POST', '/training/jobs', {
      name: 'mean revert',
      strategy_id: strategyId,
      dataset_id: datasetId,
      config: {
        spaces: ['buy', 'sell'],
        hyperopt_loss: 'SharpeHyperOptLoss',
        min_trades: 1,
        random_state: 42,
        stake_amount: 100,
        fee: 0,
        ...over,
      },
      hyperparameters: hp,
    });
  const waitJob = async (id: number) => {
    await t.app
      .get(TaskRunner)
      .wait((await job(id)).task_id)
      .catch(() => undefined);
    return job(id);
  };

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
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const a = t.app.getHttpServer().address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    [alice, bob] = [await createUser(t), await createUser(t)];
    mkdirSync(path.join(t.dataDir, 'strategies'), { recursive: true });
    for (const f of ['MeanRevert.py', 'LevelCross.py'])
      copyFileSync(path.join(FIXTURES, f), path.join(t.dataDir, 'strategies', f));

    const fd = new FormData();
    for (const [k, v] of Object.entries({ name: 'walk', pair: 'BTC/USDT', timeframe: '5m' })) fd.append(k, v);
    fd.append('file', new Blob([candlesCsv()]), 'walk.csv');
    const r = new Response(fd);
    const up = await t.request({
      method: 'POST',
      url: '/api/v1/data/upload',
      payload: Buffer.from(await r.arrayBuffer()),
      headers: { ...bearer(alice.accessToken), 'content-type': r.headers.get('content-type')! },
    });
    datasetId = body(up).data.id;
    await t.app.get(TaskRunner).wait(body(up).data.task_id);
    const mk = async (name: string, cls: string, timeframe: string) => {
      const s = await api(alice, 'POST', '/strategies', {
        name,
        config: {
          strategy_class: cls,
          strategy_file: `${cls}.py`,
          timeframe,
          pair_whitelist: ['BTC/USDT'],
          exchange: 'binance',
        },
      });
      expect(s.statusCode).toBe(201);
      return body(s).data.id as number;
    };
    strategyId = await mk('mean revert', 'MeanRevert', '5m');
    plainId = await mk('level cross', 'LevelCross', '1m');
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await emu?.close();
  });

  it('runs 20 epochs: one metrics row and one training_progress per epoch on both sockets, then applies the best as a new version', async () => {
    const sio: Socket = io(url, {
      path: '/ws',
      transports: ['websocket'],
      auth: { token: alice.accessToken },
      forceNew: true,
    });
    const sioBob: Socket = io(url, {
      path: '/ws',
      transports: ['websocket'],
      auth: { token: bob.accessToken },
      forceNew: true,
    });
    const got: any[] = [];
    const gotBob: any[] = [];
    await Promise.all([sio, sioBob].map((s) => new Promise<void>((r) => s.once('connect', () => r()))));
    sio.on('training_progress', (m) => got.push(m));
    sio.on('training_status', (m) => got.push(m));
    sioBob.on('training_progress', (m) => gotBob.push(m));
    sioBob.on('training_status', (m) => gotBob.push(m));
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/ws?token=${alice.accessToken}`);
    const frames: any[] = [];
    ws.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
    await new Promise((r) => ws.once('open', r));
    try {
      const res = await submit();
      expect(res.statusCode).toBe(202);
      const created = body(res).data;
      expect(created).toMatchObject({ name: 'mean revert', status: 'pending', task_id: expect.any(String) });
      // Subscriptions to this job (freqtrade needs seconds to start before the first epoch).
      const ack = await sio.emitWithAck('subscribe', { job_ids: [created.id] });
      expect(ack.ok).toBe(true);
      sioBob.emit('subscribe', { job_ids: [created.id] });
      ws.send(JSON.stringify({ type: 'subscribe', channel: 'training_job', job_id: created.id }));

      const j = await waitJob(created.id);
      expect(j.error_message).toBeNull();
      expect(j).toMatchObject({ status: 'completed', progress: 100, current_epoch: 20, total_epochs: 20 });
      expect(j.freqtrade_seconds).toBeGreaterThan(0);
      expect(j.actual_duration).toBeGreaterThanOrEqual(Math.floor(j.freqtrade_seconds));

      const rows = body(await api(alice, 'GET', `/training/jobs/${created.id}/metrics`)).data.metrics;
      expect(rows.map((r: { epoch: number }) => r.epoch)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      for (const r of rows)
        expect(r.metrics).toEqual(
          expect.objectContaining({
            loss: expect.any(Number),
            trades: expect.any(Number),
            is_best: expect.any(Boolean),
          }),
        );
      const bestLosses = rows.filter((r: any) => r.metrics.is_best).map((r: any) => r.metrics.loss);
      expect(bestLosses.length).toBeGreaterThan(0);
      for (let i = 1; i < bestLosses.length; i++) expect(bestLosses[i]).toBeLessThan(bestLosses[i - 1]);
      expect(j.best_metrics.loss).toBe(bestLosses.at(-1));
      const window = body(
        await api(alice, 'GET', `/training/jobs/${created.id}/metrics?start_epoch=5&end_epoch=7`),
      ).data;
      expect(window.metrics.map((r: { epoch: number }) => r.epoch)).toEqual([5, 6, 7]);

      await until(() => got.find((m) => m.type === 'training_status' && m.data.status === 'completed'), 5000);
      const progress = got.filter((m) => m.type === 'training_progress');
      expect(progress.map((m) => m.data.current_epoch)).toEqual(rows.map((r: { epoch: number }) => r.epoch));
      expect(progress.at(-1).data).toMatchObject({ job_id: created.id, progress: 100, current_epoch: 20 });
      await until(
        () => frames.filter((f) => f.type === 'training_progress').length === 20 || undefined,
        5000,
      );
      expect(frames.find((f) => f.type === 'training_progress').data).toMatchObject({ job_id: created.id });
      expect(gotBob).toEqual([]);

      const result = body(await api(alice, 'GET', `/training/jobs/${created.id}/result`)).data;
      expect(result.parameter_file).toMatchObject({ strategy_name: 'MeanRevert', ft_stratparam_v: 1 });
      expect(result.parameters).toEqual(result.parameter_file.params);
      expect(result.parameters.buy.buy_drop).toBe(result.metrics.params.buy_drop);
      expect(result.backtest.total_trades).toBe(result.metrics.trades);
      trained = { id: created.id, parameters: result.parameters };

      expect((await api(bob, 'GET', `/training/jobs/${created.id}`)).statusCode).toBe(404);
      expect((await api(bob, 'GET', `/training/jobs/${created.id}/metrics`)).statusCode).toBe(404);
      expect((await api(bob, 'POST', `/training/jobs/${created.id}/apply`)).statusCode).toBe(404);
      expect(body(await api(bob, 'GET', '/training/jobs')).data.jobs).toEqual([]);

      const before = body(await api(alice, 'GET', `/strategies/${strategyId}`)).data.version;
      const applied = await api(alice, 'POST', `/training/jobs/${created.id}/apply`);
      expect(applied.statusCode).toBe(200);
      const s = body(applied).data;
      expect(s.version).not.toBe(before);
      expect(s.parameters).toEqual(result.parameters);
      const v = body(await api(alice, 'GET', `/strategies/${strategyId}/versions/${s.version}`)).data;
      expect(v.changelog).toContain(`training job ${created.id}`);
      expect(v.parameters).toEqual(result.parameters);

      // The applied version backtests with those parameters: a comparison evaluation of the two
      // versions on the same data reproduces the best epoch's trades for the new one.
      const cmp = await api(alice, 'POST', '/evaluations', {
        name: 'before vs after training',
        evaluation_type: 'comparison',
        strategy_id: strategyId,
        dataset_id: datasetId,
        config: { stake_amount: 100, fee: 0, versions: [before, s.version] },
      });
      expect(cmp.statusCode).toBe(202);
      await t.app.get(TaskRunner).wait(body(cmp).data.task_id);
      const e = body(await api(alice, 'GET', `/evaluations/${body(cmp).data.id}`)).data;
      expect(e.status).toBe('completed');
      const after = e.results.comparison.find((c: { version: string }) => c.version === s.version);
      expect(after.total_trades).toBe(result.backtest.total_trades);
    } finally {
      sio.close();
      sioBob.close();
      ws.close();
    }
  }, 180_000);

  it('a follow-up job continues from its parent’s best parameters', async () => {
    const bad = await api(alice, 'POST', '/training/jobs', {
      name: 'wrong parent',
      strategy_id: plainId,
      dataset_id: datasetId,
      parent_job_id: trained.id,
      config: { spaces: ['roi'], hyperopt_loss: 'SharpeHyperOptLoss' },
      hyperparameters: { epochs: 3 },
    });
    expect(bad.statusCode).toBe(400);
    const child = body(
      await api(alice, 'POST', '/training/jobs', {
        name: 'follow-up',
        strategy_id: strategyId,
        dataset_id: datasetId,
        parent_job_id: trained.id,
        config: { spaces: ['roi', 'stoploss'], hyperopt_loss: 'OnlyProfitHyperOptLoss', random_state: 3 },
        hyperparameters: { epochs: 3 },
      }),
    ).data;
    const j = await waitJob(child.id);
    expect(j).toMatchObject({ status: 'completed', parent_job_id: trained.id });
    const r = body(await api(alice, 'GET', `/training/jobs/${child.id}/result`)).data;
    // buy and sell were not optimised this time: freqtrade loaded them from the parent's best.
    expect(r.parameters.buy).toEqual(trained.parameters.buy);
    expect(r.parameters.sell).toEqual(trained.parameters.sell);
    expect(r.parameters.roi).toBeDefined();
  }, 120_000);

  it('queues a second job while one runs, and cancel keeps the epochs done', async () => {
    const first = body(await submit({ random_state: 7 }, { epochs: 500 })).data;
    const second = body(await submit({ random_state: 8 }, { epochs: 3 })).data;
    await until(async () => ((await job(first.id)).current_epoch >= 3 ? true : undefined), 90_000);
    expect((await job(second.id)).status).toBe('pending');
    const cancelled = await api(alice, 'POST', `/training/jobs/${first.id}/cancel`);
    expect(cancelled.statusCode).toBe(200);
    const c = body(cancelled).data;
    expect(c.status).toBe('cancelled');
    const rows = body(await api(alice, 'GET', `/training/jobs/${first.id}/metrics`)).data.metrics;
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.length).toBe((await job(first.id)).current_epoch);
    expect((await api(alice, 'POST', `/training/jobs/${first.id}/cancel`)).statusCode).toBe(409);
    const s = await waitJob(second.id);
    expect(s).toMatchObject({ status: 'completed', current_epoch: 3 });
    expect(new Date(s.started_at).getTime()).toBeGreaterThanOrEqual(
      new Date(c.completed_at).getTime() - 1000,
    );
  }, 180_000);

  it('refuses a strategy without parameters for the chosen spaces with freqtrade’s reason, and bad hyperparameters', async () => {
    const r = await api(alice, 'POST', '/training/jobs', {
      name: 'nothing to optimise',
      strategy_id: plainId,
      dataset_id: datasetId,
      config: { spaces: ['buy', 'sell'], hyperopt_loss: 'SharpeHyperOptLoss' },
      hyperparameters: { epochs: 5 },
    });
    expect(r.statusCode).toBe(422);
    expect(body(r).error.code).toBe('STRATEGY_NOT_OPTIMISABLE');
    expect(body(r).error.details.reasons[0]).toContain(
      "The 'buy' space is included into the hyperoptimization",
    );
    const bad = await submit({}, { epochs: 5, learning_rate: 0.01 });
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error.details[0].field).toBe('hyperparameters.learning_rate');
    expect((await submit({ spaces: ['everything'] })).statusCode).toBe(400);
  }, 120_000);

  it('marks a job whose instance died failed at the next start', async () => {
    const repo = t.app.get<Repository<TrainingJob>>(getRepositoryToken(TrainingJob));
    const orphan = await repo.save(
      repo.create({
        name: 'orphan',
        status: 'running',
        config: {},
        userId: alice.id,
        strategyId,
        taskId: '00000000-0000-4000-8000-000000000000',
      }),
    );
    await t.app.get(TrainingRecovery).onApplicationBootstrap();
    const j = await job(orphan.id);
    expect(j.status).toBe('failed');
    expect(j.error_message).toBe('interrupted: the instance running it stopped');
  });
});
