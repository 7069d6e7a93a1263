import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { TaskContext, TaskWork } from '../../src/modules/tasks/task-runner.service.js';
import { DEFAULT_TASK_TIMING, type TaskTiming } from '../../src/modules/tasks/task-timing.js';

/** Faster pacing for tests; the sweep runs only when a test calls it. */
export const TEST_TASK_TIMING: TaskTiming = {
  ...DEFAULT_TASK_TIMING,
  heartbeatMs: 200,
  sweepMs: 3_600_000,
  progressWriteMs: 200,
  retryBaseMs: 20,
  cancelWaitMs: 1_000,
  shutdownWaitMs: 2_000,
};

/** Work that runs `sleep 30` the way work functions must: the child dies when ctx.signal fires. */
export function sleepingChild(): { work: TaskWork; pid: Promise<number> } {
  let gotPid!: (pid: number) => void;
  const pid = new Promise<number>((r) => (gotPid = r));
  const work = async (ctx: TaskContext) => {
    const child = spawn('sleep', ['30'], { signal: ctx.signal, stdio: 'ignore' });
    child.on('error', () => undefined); // the AbortError; the exit below is what we wait for
    gotPid(child.pid!);
    ctx.progress(5, 'sleeping');
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    if (code !== 0) throw new Error(`sleep ended by ${signal ?? code}`);
    return { slept: true };
  };
  return { work, pid };
}

/** Work that runs until released (or aborted). */
export function gatedWork(result: Record<string, unknown> = {}) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let ctx!: TaskContext;
  const work = async (c: TaskContext) => {
    ctx = c;
    await Promise.race([
      gate,
      new Promise((_, reject) => c.signal.addEventListener('abort', () => reject(c.signal.reason))),
    ]);
    return result;
  };
  return { work, release: () => release(), ctx: () => ctx };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
