import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the compiled server (`dist/src/main.js`) and CLI (`dist/src/cli.js`) as real child processes,
 * so tests can see exit codes, signals, stdout/stderr and files left behind — what an in-process
 * Nest app cannot show. Needs `npx nest build` first. Every child is tracked: call
 * `killLeftovers()` in `afterAll` so a failed test never leaves a server running.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN_JS = path.join(ROOT, 'dist/src/main.js');
export const CLI_JS = path.join(ROOT, 'dist/src/cli.js');

export const HEALTH_PATH = '/api/v1/system/health';

export type ChildEnv = Record<string, string | undefined>;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from the last `kill()` (or from the `waitForExit` call when never signalled) to the exit. */
  ms: number;
}

const live = new Set<ChildProcess>();

/** A port nobody listens on right now: listen on 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/**
 * The child's environment: only what a shell needs, never the test runner's own variables
 * (a DATABASE_URL or REDIS_URL in the developer's shell must not leak into an embedded-mode test).
 * A key set to `undefined` in `env` is left out.
 */
function childEnv(env: ChildEnv): NodeJS.ProcessEnv {
  if (!env.DATA_DIR)
    throw new Error('set DATA_DIR for a child process (never write ./data in the repository)');
  const base: ChildEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    LANG: process.env.LANG,
  };
  const merged = { ...base, ...env };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

/** A spawned `node <script>`: its output so far, signals, and its exit. */
export class ChildRun {
  readonly child: ChildProcess;
  readonly pid: number;
  private out = '';
  private err = '';
  private exit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  private signalledAt?: number;
  private readonly exited: Promise<void>;

  constructor(script: string, args: string[], env: ChildEnv, label: string) {
    this.child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not spawn ${label}`);
    this.pid = this.child.pid;
    live.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.err += chunk));
    // 'close' (not 'exit'): the pipes are drained, so stdout/stderr are complete once it fires.
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        live.delete(this.child);
        resolve();
      });
      this.child.once('error', (e) => {
        this.err += `\n[spawn error] ${e.message}\n`;
      });
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends `signal`; false when the process is already gone. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (!this.running) return false;
    this.signalledAt = Date.now();
    return this.child.kill(signal);
  }

  /** Resolves with the exit once the process is gone; rejects (without killing it) after `timeoutMs`. */
  async waitForExit(timeoutMs = 15_000): Promise<ExitInfo> {
    const calledAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const r = await Promise.race([this.exited.then(() => 'exited' as const), timeout]);
      if (r === 'timeout')
        throw new Error(
          `pid ${this.pid} did not exit within ${timeoutMs} ms\n--- stderr ---\n${tail(this.err)}`,
        );
    } finally {
      clearTimeout(timer);
    }
    const { code, signal, at } = this.exit!;
    return { code, signal, ms: Math.max(0, at - (this.signalledAt ?? calledAt)) };
  }

  /** Resolves when the process has gone (whatever its exit); never rejects. */
  whenExited(): Promise<void> {
    return this.exited;
  }
}

/** A server child: `url` is its base (http://127.0.0.1:PORT), without the /api/v1 prefix. */
export class ServerProcess extends ChildRun {
  constructor(
    readonly port: number,
    env: ChildEnv,
  ) {
    super(MAIN_JS, [], env, 'server');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Polls the health endpoint every 50 ms until it answers 200. Rejects with the child's stderr if
   * it exits first, or after `timeoutMs`.
   */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.running) {
        const { code, signal } = await this.waitForExit(1000);
        throw new Error(
          `server pid ${this.pid} exited (code ${code}, signal ${signal}) before it was healthy\n` +
            `--- stderr ---\n${tail(this.stderr)}\n--- stdout ---\n${tail(this.stdout, 2000)}`,
        );
      }
      try {
        const res = await fetch(this.url + HEALTH_PATH, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `server pid ${this.pid} not healthy within ${timeoutMs} ms (${last})\n--- stderr ---\n${tail(this.stderr)}`,
    );
  }
}

/**
 * Spawns `node dist/src/main.js` without waiting for it: HOST=127.0.0.1, a free PORT and
 * LOG_LEVEL=warn unless `env` says otherwise. `env` must name DATA_DIR.
 */
export async function spawnServer(env: ChildEnv): Promise<ServerProcess> {
  const defaults = { HOST: '127.0.0.1', PORT: String(await freePort()), LOG_LEVEL: 'warn' };
  const merged = { ...defaults, ...env };
  const port = Number(merged.PORT);
  return new ServerProcess(Number.isInteger(port) ? port : 0, merged);
}

/** Spawns a server and waits until it is healthy; if it never is, kills it and rejects. */
export async function startServer(env: ChildEnv, timeoutMs = 30_000): Promise<ServerProcess> {
  const server = await spawnServer(env);
  try {
    await server.waitUntilHealthy(timeoutMs);
  } catch (err) {
    server.kill('SIGKILL');
    await server.whenExited();
    throw err;
  }
  return server;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli.js <args>` to completion (LOG_LEVEL=warn unless `env` says otherwise). */
export async function runCli(args: string[], env: ChildEnv, timeoutMs = 30_000): Promise<CliResult> {
  const run = new ChildRun(CLI_JS, args, { LOG_LEVEL: 'warn', ...env }, 'cli');
  try {
    const { code, signal } = await run.waitForExit(timeoutMs);
    return { code, signal, stdout: run.stdout, stderr: run.stderr };
  } catch (err) {
    run.kill('SIGKILL');
    await run.whenExited();
    throw err;
  }
}

/** SIGKILLs every child this module started that is still running, and waits until they are gone. */
export async function killLeftovers(): Promise<void> {
  const children = [...live];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(resolve, 5000);
          child.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGKILL');
        }),
    ),
  );
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** A JSON request against a server base URL; `path` is below /api/v1. */
export async function api<T = any>(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  apiPath: string,
  opts: { body?: unknown; token?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(`${baseUrl}/api/v1${apiPath}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: body as T };
}

/** Logs in; returns the whole response so callers can assert on failures too. */
export function login(
  baseUrl: string,
  username: string,
  password: string,
): Promise<ApiResponse<{ success: boolean; data: { access_token: string; refresh_token: string } }>> {
  return api(baseUrl, 'POST', '/auth/login', { body: { username, password } });
}
