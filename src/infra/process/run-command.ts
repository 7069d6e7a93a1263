import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RunCommandOptions {
  cwd?: string;
  /** The child's whole environment (not merged with ours: FREQTRADE__* variables must not leak in). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Every output line, stdout and stderr interleaved as they arrive. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Lines kept for the result (the last ones). */
  keepLines?: number;
  /** The child's pid, which is also its process group's id (it runs detached). */
  onSpawn?: (pid: number) => void;
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last `keepLines` lines of both streams, for error messages. */
  tail: string[];
  timedOut: boolean;
  aborted: boolean;
}

/** Kills the whole process group: pip and freqtrade start children of their own. */
export function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Runs a command to its end, streaming its lines. Never rejects for a non-zero exit: the caller
 * decides what an exit code means. Aborting or timing out kills the process group.
 */
export function runCommand(cmd: string, args: string[], o: RunCommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      resolve({ code: null, signal: null, stdout: '', tail: [], timedOut: false, aborted: true });
      return;
    }
    const child = spawn(cmd, args, {
      cwd: o.cwd,
      env: o.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid) o.onSpawn?.(child.pid);
    const keep = o.keepLines ?? 40;
    const tail: string[] = [];
    let stdout = '';
    let timedOut = false;
    let aborted = false;
    const onLine = (stream: 'stdout' | 'stderr') => (line: string) => {
      if (stream === 'stdout' && stdout.length < 1_000_000) stdout += line + '\n';
      tail.push(line);
      if (tail.length > keep) tail.shift();
      o.onLine?.(line, stream);
    };
    createInterface({ input: child.stdout }).on('line', onLine('stdout'));
    createInterface({ input: child.stderr }).on('line', onLine('stderr'));
    const abort = () => {
      aborted = true;
      killGroup(child.pid, 'SIGKILL');
    };
    o.signal?.addEventListener('abort', abort, { once: true });
    const timer = o.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killGroup(child.pid, 'SIGKILL');
        }, o.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', abort);
      reject(err);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', abort);
      resolve({ code, signal: sig, stdout, tail, timedOut, aborted });
    });
  });
}
