import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import type { TaskProgressEvent } from '../../src/common/events/event-map.js';
import { TaskLiveness } from '../../src/modules/tasks/task-liveness.service.js';
import { TaskRecords } from '../../src/modules/tasks/task-records.service.js';
import { TaskRunner } from '../../src/modules/tasks/task-runner.service.js';
import { TASK_TIMING, TASK_WORKER_ID } from '../../src/modules/tasks/task-timing.js';
import { bearer, createUser, login, type TestUser } from '../factories/user.factory.js';
import { createDataDir, createTestDatabase } from '../support/databases.js';
import { MODES, PG_ADMIN_URL, REDIS_URL, type Mode } from '../support/services.js';
import { gatedWork, pidAlive, sleepingChild, TEST_TASK_TIMING, until } from '../support/task-work.js';
import { body, startTestApp, type TestApp } from '../support/test-app.js';

const ME = 'test-host:1';

/** Apps of one installation that outlive each other: the test owns the data dir and database. */
async function installation(mode: Mode) {
  const dir = createDataDir({ withDatabase: mode === 'embedded' });
  const db = mode === 'postgres' ? await createTestDatabase(PG_ADMIN_URL!, { migrated: true }) : undefined;
  return {
    start: (worker = ME, env: Record<string, string> = {}) =>
      startTestApp({
        mode,
        reuse: { dataDir: dir.dir, databaseUrl: db?.url },
        env: { RATE_LIMIT_MAX: '0', ...env },
        overrides: [
          { provide: TASK_TIMING, useValue: TEST_TASK_TIMING },
          { provide: TASK_WORKER_ID, useValue: worker },
        ],
      }),
    async remove() {
      await db?.drop();
      dir.remove();
    },
  };
}

const insertTask = (t: TestApp, userId: number, status: string, worker: string, heartbeatAgoMs: number) => {
  const id = randomUUID();
  return t.app
    .get(DataSource)
    .query(
      `INSERT INTO tasks (id, task_name, status, user_id, worker, heartbeat_at, started_at)
       VALUES ($1, 'test.left', $2, $3, $4, $5, $5)`,
      [id, status, userId, worker, new Date(Date.now() - heartbeatAgoMs)],
    )
    .then(() => id);
};

describe.each(MODES)('task liveness (%s)', (mode) => {
  let inst: Awaited<ReturnType<typeof installation>>;
  let t: TestApp | undefined;
  let alice: TestUser;
  const ids: Record<string, string> = {};
  let childPid = 0;

  beforeAll(async () => {
    inst = await installation(mode);
    // The first life: tasks left behind by dead instances, and one running here when it shuts down.
    const first = await inst.start();
    try {
      alice = await createUser(first);
      ids.stale = await insertTask(first, alice.id, 'STARTED', 'other-host:9', 10 * 60_000);
      ids.mine = await insertTask(first, alice.id, 'STARTED', ME, 0);
      ids.pending = await insertTask(first, alice.id, 'PENDING', ME, 0);
      ids.fresh = await insertTask(first, alice.id, 'STARTED', 'other-host:2', 0);
      ids.done = await insertTask(first, alice.id, 'SUCCESS', 'other-host:9', 10 * 60_000);
      const child = sleepingChild();
      ids.running = (
        await first.app.get(TaskRunner).submit({ taskName: 'test.sleep', userId: alice.id }, child.work)
      ).id;
      childPid = await child.pid;
      await until(async () => (await first.app.get(TaskRecords).get(ids.running))?.status === 'STARTED');
    } finally {
      await first.close();
    }
    t = await inst.start();
    const tokens = await login(t, alice.username, alice.password);
    alice = { ...alice, ...tokens };
  });
  afterAll(async () => {
    await t?.close();
    await inst?.remove();
  });

  const task = async (id: string) =>
    body(await t!.request({ method: 'GET', url: `/api/v1/tasks/${id}`, headers: bearer(alice.accessToken) }))
      .data;

  it('shutdown ends a running task FAILURE "interrupted: server shutting down" and kills its child', async () => {
    expect(pidAlive(childPid)).toBe(false);
    expect(await task(ids.running)).toMatchObject({
      status: 'FAILURE',
      error: 'interrupted: server shutting down',
      error_code: 'TASK_INTERRUPTED',
      progress_message: 'sleeping',
    });
  });

  it('at start-up, tasks of a dead instance and tasks left under this instance’s own name are marked FAILURE', async () => {
    for (const k of ['stale', 'mine', 'pending'])
      expect([k, await task(ids[k])]).toEqual([
        k,
        expect.objectContaining({
          status: 'FAILURE',
          error: 'interrupted: the instance running it stopped',
          error_code: 'TASK_INTERRUPTED',
          completed_at: expect.any(String),
        }),
      ]);
    expect((await task(ids.done)).status).toBe('SUCCESS');
    // Embedded: one instance by definition, so nothing else can be running it. PostgreSQL: another
    // live instance may be, and its heartbeat is fresh.
    expect((await task(ids.fresh)).status).toBe(mode === 'embedded' ? 'FAILURE' : 'STARTED');
  });

  it('the periodic sweep marks a task whose heartbeat lapsed, and pushes its new status', async () => {
    const events: TaskProgressEvent[] = [];
    t!.app.get(EventEmitter2).on('task.progress', (e: TaskProgressEvent) => void events.push(e));
    const id = await insertTask(t!, alice.id, 'STARTED', 'other-host:3', 0);
    expect(await t!.app.get(TaskLiveness).sweepExclusive()).toEqual([]);
    await t!.app
      .get(DataSource)
      .query(`UPDATE tasks SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, [id]);
    const swept = await t!.app.get(TaskLiveness).sweepExclusive();
    expect(swept?.map((x) => x.id)).toContain(id);
    expect((await task(id)).status).toBe('FAILURE');
    expect(events.find((e) => e.taskId === id)).toMatchObject({ status: 'FAILURE', ownerId: alice.id });
  });

  it('heartbeats keep a running task fresh, and a task ended elsewhere is aborted here', async () => {
    const runner = t!.app.get(TaskRunner);
    const g = gatedWork();
    const { id, heartbeat_at } = await runner.submit({ taskName: 'test.beat', userId: alice.id }, g.work);
    await until(async () => ((await task(id)).heartbeat_at > heartbeat_at! ? true : undefined), 3000);
    // Another instance revoked it directly (its cancel message was lost).
    await t!.app.get(DataSource).query(`UPDATE tasks SET status = 'REVOKED' WHERE id = $1`, [id]);
    await until(() => g.ctx()?.signal.aborted || undefined, 3000);
    await until(() => (runner.runningIds().includes(id) ? undefined : true));
    expect((await task(id)).status).toBe('REVOKED');
  });
});

const describeTwoInstances = PG_ADMIN_URL && REDIS_URL ? describe : describe.skip;

describeTwoInstances('task cancel across two instances (PostgreSQL + Redis)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({
      mode: 'postgres',
      env: { RATE_LIMIT_MAX: '0' },
      overrides: [
        { provide: TASK_TIMING, useValue: { ...TEST_TASK_TIMING, cancelWaitMs: 5_000 } },
        { provide: TASK_WORKER_ID, useValue: 'host-a:1' },
      ],
    });
    b = await startTestApp({
      mode: 'postgres',
      reuse: {
        dataDir: a.dataDir,
        databaseUrl: a.config.database.mode === 'postgres' ? a.config.database.url : undefined,
      },
      env: {
        RATE_LIMIT_MAX: '0',
        JWT_SECRET: a.config.auth.jwtSecret,
        REDIS_KEY_PREFIX: a.config.redis!.keyPrefix,
      },
      overrides: [
        { provide: TASK_TIMING, useValue: { ...TEST_TASK_TIMING, cancelWaitMs: 5_000 } },
        { provide: TASK_WORKER_ID, useValue: 'host-b:1' },
      ],
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a cancel on B reaches the task running on A, which kills its child', async () => {
    const user = await createUser(a);
    const child = sleepingChild();
    const { id } = await a.app
      .get(TaskRunner)
      .submit({ taskName: 'test.sleep', userId: user.id }, child.work);
    const pid = await child.pid;
    await until(async () => (await a.app.get(TaskRecords).get(id))?.status === 'STARTED');
    const began = Date.now();
    const res = await b.request({
      method: 'POST',
      url: `/api/v1/tasks/${id}/cancel`,
      headers: bearer(user.accessToken),
    });
    expect(res.statusCode).toBe(200);
    expect(body(res).data).toMatchObject({ status: 'REVOKED', worker: 'host-a:1' });
    // A answered (B would have waited the whole cancelWaitMs before revoking it itself).
    expect(Date.now() - began).toBeLessThan(4_000);
    await until(() => !pidAlive(pid) || undefined, 2000);
    expect(a.app.get(TaskRunner).runningIds()).not.toContain(id);
  });
});
