import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { DataSource } from 'typeorm';
import { AppException } from '../../src/common/errors/app.exception.js';
import type { WireMessage } from '../../src/modules/realtime/realtime-message.js';
import { TaskRecords } from '../../src/modules/tasks/task-records.service.js';
import { TaskRunner } from '../../src/modules/tasks/task-runner.service.js';
import { TASK_TIMING } from '../../src/modules/tasks/task-timing.js';
import { bearer, createUser, type TestUser } from '../factories/user.factory.js';
import { MODES } from '../support/services.js';
import { gatedWork, pidAlive, sleepingChild, TEST_TASK_TIMING, until } from '../support/task-work.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const API = '/api/v1/tasks';

async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const a = t.app.getHttpServer().address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

function connect(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, {
      path: '/ws',
      transports: ['websocket'],
      auth: { token },
      reconnection: false,
      forceNew: true,
    });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

type Progress = WireMessage<'task_progress'>['data'];

describe.each(MODES)('tasks (%s)', (mode) => {
  let t: TestApp;
  let runner: TaskRunner;
  let url: string;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  const aliceGot: Progress[] = [];
  const bobGot: Progress[] = [];
  const open: { close(): void }[] = [];

  const get = (u: TestUser, path: string) =>
    t.request({ method: 'GET', url: `${API}${path}`, headers: bearer(u.accessToken) });
  const cancel = (u: TestUser, id: string) =>
    t.request({ method: 'POST', url: `${API}/${id}/cancel`, headers: bearer(u.accessToken) });
  const of = (got: Progress[], id: string) => got.filter((m) => m.task_id === id);
  const row = (id: string) => t.app.get(TaskRecords).get(id);

  beforeAll(async () => {
    t = await startTestApp({
      mode,
      env: { RATE_LIMIT_MAX: '0' },
      overrides: [{ provide: TASK_TIMING, useValue: TEST_TASK_TIMING }],
    });
    runner = t.app.get(TaskRunner);
    url = await listen(t);
    [alice, bob, admin] = [
      await createUser(t),
      await createUser(t),
      await createUser(t, { superuser: true }),
    ];
    const [sa, sb] = [await connect(url, alice.accessToken), await connect(url, bob.accessToken)];
    open.push(sa, sb);
    sa.on('task_progress', (m: WireMessage<'task_progress'>) => aliceGot.push(m.data));
    sb.on('task_progress', (m: WireMessage<'task_progress'>) => bobGot.push(m.data));
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await t?.close();
  });

  it('runs a task PENDING → STARTED → SUCCESS, pushing each step and its progress to the owner only', async () => {
    const g = gatedWork({ installed: '2025.8' });
    const created = await runner.submit(
      {
        taskName: 'test.install',
        args: { version: '2025.8' },
        userId: alice.id,
        relatedType: 'freqtrade_version',
        relatedId: '2025.8',
      },
      g.work,
    );
    expect(created).toMatchObject({
      status: 'PENDING',
      progress: 0,
      user_id: alice.id,
      related_id: '2025.8',
    });
    expect(created.worker).toMatch(/^.+:\d+$/);
    await until(() => g.ctx());
    g.ctx().progress(40, 'downloading');
    g.ctx().progress(null, 'still downloading');
    g.release();
    const done = await runner.wait(created.id);
    expect(done).toMatchObject({
      status: 'SUCCESS',
      result: { installed: '2025.8' },
      progress: 100,
      progress_message: 'still downloading',
      error: null,
    });
    expect(Date.parse(done.completed_at!)).toBeGreaterThanOrEqual(Date.parse(done.started_at!));
    const pushed = await until(() =>
      of(aliceGot, created.id).length >= 5 ? of(aliceGot, created.id) : undefined,
    );
    expect(pushed.map((m) => [m.status, m.progress, m.progress_message])).toEqual([
      ['PENDING', 0, null],
      ['STARTED', 0, null],
      ['STARTED', 40, 'downloading'],
      ['STARTED', 40, 'still downloading'],
      ['SUCCESS', 100, 'still downloading'],
    ]);
    expect(pushed[0]).toMatchObject({
      task_name: 'test.install',
      related_type: 'freqtrade_version',
      related_id: '2025.8',
    });
    expect(of(bobGot, created.id)).toEqual([]);

    const res = await get(alice, `/${created.id}`);
    expect(res.statusCode).toBe(200);
    expect(body(res).data).toEqual(done);
    const hidden = await get(bob, `/${created.id}`);
    expect([hidden.statusCode, body(hidden).error.code]).toEqual([404, 'TASK_NOT_FOUND']);
  });

  it('pushes task_progress on the plain WebSocket too, on its `tasks` channel', async () => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/ws?token=${alice.accessToken}`);
    open.push(ws);
    const frames: Record<string, any>[] = [];
    ws.on('message', (raw) => frames.push(JSON.parse(raw.toString()) as Record<string, any>));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'tasks' }));
    await until(() => frames.find((f) => f.type === 'ack'));
    const { id } = await runner.submit({ taskName: 'test.ws', userId: alice.id }, async (ctx) => {
      ctx.progress(50, 'half');
    });
    await runner.wait(id);
    const got = await until(() => {
      const mine = frames.filter((f) => f.type === 'task_progress' && f.data.task_id === id);
      return mine.at(-1)?.data.status === 'SUCCESS' ? mine : undefined;
    });
    expect(got.map((f) => f.data.progress)).toEqual([0, 0, 50, 100]);
  });

  it('a system task (no user) is pushed to everyone and listed for everyone; only a superuser may cancel it', async () => {
    const g = gatedWork();
    const { id } = await runner.submit({ taskName: 'test.system' }, g.work);
    await until(() => of(bobGot, id).length && of(aliceGot, id).length);
    expect((await get(bob, `/${id}`)).statusCode).toBe(200);
    const denied = await cancel(bob, id);
    expect([denied.statusCode, body(denied).error.code]).toEqual([403, 'FORBIDDEN']);
    const ok = await cancel(admin, id);
    expect(ok.statusCode).toBe(200);
    expect(body(ok).data).toMatchObject({ id, status: 'REVOKED' });
    await until(() => of(bobGot, id).find((m) => m.status === 'REVOKED'));
  });

  it('a failure keeps the AppException message and code; a plain Error its message', async () => {
    const app = await runner.submit({ taskName: 'test.fail', userId: alice.id }, async (ctx) => {
      ctx.progress(30, 'working');
      throw new AppException(
        'FREQTRADE_NOT_INSTALLED',
        { version: '2025.8' },
        'pip install failed: no wheel',
      );
    });
    expect(await runner.wait(app.id)).toMatchObject({
      status: 'FAILURE',
      error: 'pip install failed: no wheel',
      error_code: 'FREQTRADE_NOT_INSTALLED',
      result: { details: { version: '2025.8' } },
      progress: 30,
      progress_message: 'working',
      retries: 0,
    });
    const plain = await runner.submit({ taskName: 'test.fail', userId: alice.id }, () =>
      Promise.reject(new Error('boom')),
    );
    expect(await runner.wait(plain.id)).toMatchObject({ status: 'FAILURE', error: 'boom', error_code: null });
    await until(() => of(aliceGot, plain.id).find((m) => m.status === 'FAILURE' && m.error === 'boom'));
  });

  it('retries a failed attempt up to max_retries, through RETRY', async () => {
    let attempts = 0;
    const flaky = await runner.submit(
      { taskName: 'test.flaky', userId: alice.id, maxRetries: 3 },
      async () => {
        if (++attempts < 3) throw new Error(`attempt ${attempts} failed`);
        return { attempts };
      },
    );
    expect(await runner.wait(flaky.id)).toMatchObject({
      status: 'SUCCESS',
      retries: 2,
      max_retries: 3,
      result: { attempts: 3 },
    });
    const statuses = (
      await until(() =>
        of(aliceGot, flaky.id).at(-1)?.status === 'SUCCESS' ? of(aliceGot, flaky.id) : undefined,
      )
    ).map((m) => m.status);
    expect(statuses).toEqual(['PENDING', 'STARTED', 'RETRY', 'STARTED', 'RETRY', 'STARTED', 'SUCCESS']);

    const hopeless = await runner.submit({ taskName: 'test.flaky', userId: alice.id, maxRetries: 1 }, () =>
      Promise.reject(new Error('always')),
    );
    expect(await runner.wait(hopeless.id)).toMatchObject({ status: 'FAILURE', retries: 1, error: 'always' });
  });

  it('writes a burst of progress reports to the database at most every progressWriteMs, the newest last', async () => {
    const saves = jest.spyOn(t.app.get(TaskRecords), 'saveProgress');
    const g = gatedWork();
    const { id } = await runner.submit({ taskName: 'test.burst', userId: alice.id }, g.work);
    await until(() => g.ctx());
    const started = Date.now();
    for (let i = 1; i <= 100; i++) g.ctx().progress(i * 0.9, `step ${i}`);
    await until(async () => ((await row(id))?.progress === 90 ? true : undefined));
    const mine = () => saves.mock.calls.filter((c) => c[0] === id).length;
    const elapsed = Date.now() - started;
    expect(mine()).toBeLessThanOrEqual(1 + Math.ceil(elapsed / TEST_TASK_TIMING.progressWriteMs));
    expect(mine()).toBeLessThanOrEqual(3);
    expect((await row(id))?.progressMessage).toBe('step 100');
    // Every report was still pushed.
    await until(() => (of(aliceGot, id).length >= 102 ? true : undefined));
    g.release();
    await runner.wait(id);
    saves.mockRestore();
  });

  it('cancel kills the work’s child process and ends the task REVOKED; a second cancel is 409', async () => {
    const child = sleepingChild();
    const { id } = await runner.submit({ taskName: 'test.sleep', userId: alice.id }, child.work);
    const pid = await child.pid;
    expect(pidAlive(pid)).toBe(true);
    const res = await cancel(alice, id);
    expect(res.statusCode).toBe(200);
    expect(body(res).data).toMatchObject({
      id,
      status: 'REVOKED',
      progress: 5,
      progress_message: 'sleeping',
    });
    expect(body(res).data.completed_at).toEqual(expect.any(String));
    expect(pidAlive(pid)).toBe(false);
    await until(() => of(aliceGot, id).find((m) => m.status === 'REVOKED'));

    const again = await cancel(alice, id);
    expect([again.statusCode, body(again).error.code]).toEqual([409, 'TASK_NOT_CANCELLABLE']);
    expect(body(again).error.details).toEqual({ status: 'REVOKED' });
  });

  it('cancel answers 404 for an unknown task and for another user’s, and 400 for a bad id', async () => {
    const g = gatedWork();
    const { id } = await runner.submit({ taskName: 'test.private', userId: alice.id }, g.work);
    for (const r of [await cancel(alice, randomUUID()), await cancel(bob, id)])
      expect([r.statusCode, body(r).error.code]).toEqual([404, 'TASK_NOT_FOUND']);
    const bad = await cancel(alice, 'not-a-uuid');
    expect([bad.statusCode, body(bad).error.code]).toEqual([400, 'VALIDATION_ERROR']);
    await expect(runner.cancel(id, bob.id)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    // A superuser may cancel anyone's.
    expect(body(await cancel(admin, id)).data.status).toBe('REVOKED');
  });

  it('cancels a task whose instance is gone (stale heartbeat) or silent (no answer in time) directly', async () => {
    const ds = t.app.get(DataSource);
    const insert = (heartbeatAgoMs: number) => {
      const id = randomUUID();
      return ds
        .query(
          `INSERT INTO tasks (id, task_name, status, user_id, worker, heartbeat_at, started_at)
           VALUES ($1, 'test.ghost', 'STARTED', $2, 'ghost-host:7', $3, $3)`,
          [id, alice.id, new Date(Date.now() - heartbeatAgoMs)],
        )
        .then(() => id);
    };
    const stale = await insert(10 * 60_000);
    let began = Date.now();
    expect(body(await cancel(alice, stale)).data.status).toBe('REVOKED');
    expect(Date.now() - began).toBeLessThan(TEST_TASK_TIMING.cancelWaitMs);

    const silent = await insert(0);
    began = Date.now();
    expect(body(await cancel(alice, silent)).data.status).toBe('REVOKED');
    expect(Date.now() - began).toBeGreaterThanOrEqual(TEST_TASK_TIMING.cancelWaitMs - 50);
  });

  it('lists your tasks and the system’s, newest first, filtered and paged; superusers see all', async () => {
    const carol = await createUser(t);
    const mk = async (taskName: string, relatedId: string | null, fail = false) => {
      const { id } = await runner.submit(
        { taskName, userId: carol.id, relatedType: relatedId ? 'freqtrade_version' : null, relatedId },
        async () => {
          if (fail) throw new Error('no');
        },
      );
      await runner.wait(id);
      return id;
    };
    const a = await mk('test.list.install', '2025.8');
    const b = await mk('test.list.install', '2025.9', true);
    const c = await mk('test.list.check', null);
    const list = async (u: TestUser, q: string) => {
      const r = await get(u, `?${q}`);
      expect(r.statusCode).toBe(200);
      return body(r);
    };
    const mine = await list(carol, 'page_size=100');
    const ids = mine.data.tasks.map((x: { id: string }) => x.id);
    expect(ids.slice(0, 3)).toEqual([c, b, a]);
    expect(
      mine.data.tasks.every((x: { user_id: number | null }) => x.user_id === carol.id || x.user_id === null),
    ).toBe(true);
    expect(ids).toEqual(
      expect.arrayContaining(mine.data.tasks.filter((x: any) => x.user_id === null).map((x: any) => x.id)),
    );

    expect((await list(carol, 'task_name=test.list.install')).data.tasks.map((x: any) => x.id)).toEqual([
      b,
      a,
    ]);
    expect(
      (await list(carol, 'task_name=test.list.install&status=FAILURE')).data.tasks.map((x: any) => x.id),
    ).toEqual([b]);
    expect(
      (await list(carol, 'related_type=freqtrade_version&related_id=2025.8')).data.tasks.map(
        (x: any) => x.id,
      ),
    ).toEqual([a]);
    const paged = await list(carol, 'task_name=test.list.install&page=2&page_size=1');
    expect(paged.data.tasks.map((x: any) => x.id)).toEqual([a]);
    expect(paged.pagination).toEqual({ page: 2, page_size: 1, total: 2, total_pages: 2 });

    expect((await list(bob, 'task_name=test.list.install')).data.tasks).toEqual([]);
    expect((await list(admin, 'task_name=test.list.install')).data.tasks.map((x: any) => x.id)).toEqual([
      b,
      a,
    ]);

    for (const q of ['status=DONE', 'page_size=1000', 'task_name=a%20b', `related_id=${'x'.repeat(65)}`]) {
      const r = await get(carol, `?${q}`);
      expect([q, r.statusCode, body(r).error.code]).toEqual([q, 400, 'VALIDATION_ERROR']);
    }
  });
});
