import { spawn, type ChildProcess } from 'node:child_process';
import { killGroup } from '../../../infra/process/run-command.js';
import { FreqtradeLogParser, type FreqtradeLogRecord } from './freqtrade-log-parser.js';
import { redactSecrets } from './log-redaction.js';

export interface BotProcessOptions {
  bin: string;
  workdir: string;
  configFile: string;
  userDataDir: string;
  env: Record<string, string>;
  /** Parsed log records, in order, batched (every 250 ms or when the process ends). */
  onLogs: (records: FreqtradeLogRecord[]) => void;
  /** The process ended, for whatever reason; `expected` when we asked it to. */
  onExit: (info: { code: number | null; signal: NodeJS.Signals | null; expected: boolean }) => void;
}

const FLUSH_MS = 250;
const TAIL = 30;

/**
 * One `freqtrade trade` process in its own process group (so stopping it takes its children too),
 * its stderr/stdout parsed into log records. It knows nothing of strategies or restarts.
 */
export class BotProcess {
  private child?: ChildProcess;
  private readonly parser = new FreqtradeLogParser();
  private readonly buffer: FreqtradeLogRecord[] = [];
  private readonly tail: string[] = [];
  private flushTimer?: NodeJS.Timeout;
  private stopping = false;
  private exited?: Promise<void>;

  constructor(private readonly o: BotProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  /** The last lines it printed, for error messages and alerts. */
  lastLines(n = 10): string[] {
    return this.tail.slice(-n);
  }

  start(): void {
    const child = spawn(this.o.bin, ['trade', '-c', this.o.configFile, '--userdir', this.o.userDataDir], {
      cwd: this.o.workdir,
      // TZ=UTC: freqtrade stamps logs in local time; COLUMNS: Rich wraps piped output at 200 columns.
      env: { ...this.o.env, TZ: 'UTC', COLUMNS: '100000', PYTHONUNBUFFERED: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n')) if (line.trim()) this.keepTail(redactSecrets(line));
      this.buffer.push(...this.parser.push(text));
      // A burst (a record and its traceback) arrives within the flush interval; then the record
      // held for continuations is complete too.
      this.flushTimer ??= setTimeout(() => {
        this.buffer.push(...this.parser.flush());
        this.flush();
      }, FLUSH_MS);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        this.buffer.push(...this.parser.flush());
        this.flush();
        // The group may still hold children (e.g. a hung uvicorn thread's helpers): take them too.
        killGroup(child.pid, 'SIGKILL');
        this.o.onExit({ code, signal, expected: this.stopping });
        resolve();
      };
      child.once('exit', done);
      child.once('error', (err) => {
        this.keepTail(`failed to start ${this.o.bin}: ${err.message}`);
        done(null, null);
      });
    });
  }

  /** SIGTERM (freqtrade's clean shutdown), SIGKILL after the grace period; resolves once it is gone. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (!this.child || !this.exited) return;
    if (!this.running) return this.exited;
    killGroup(this.child.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.child?.pid, 'SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills it at once (a start that timed out). */
  async kill(): Promise<void> {
    this.stopping = true;
    if (!this.child || !this.exited) return;
    killGroup(this.child.pid, 'SIGKILL');
    await this.exited;
  }

  private keepTail(line: string): void {
    this.tail.push(line.slice(0, 1000));
    if (this.tail.length > TAIL) this.tail.shift();
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.buffer.length) return;
    // Redacted as whole records: a secret split across two reads is still caught.
    this.o.onLogs(this.buffer.splice(0).map((r) => ({ ...r, message: redactSecrets(r.message) })));
  }
}
