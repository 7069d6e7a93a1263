import type { BotCapture } from '../capture/bot-capture.js';
import { RestartBudget, restartDelayMs } from './backoff.js';
import type { BotProcess } from './bot-process.js';
import type { FreqtradeApiClient } from './freqtrade-api.client.js';

/** One started bot: its process, API client and capture, plus when it started. */
export interface LaunchedBot {
  process: BotProcess;
  api: FreqtradeApiClient;
  capture: BotCapture;
  startedAt: number;
  freqtradeVersion: string;
}

export interface SupervisorHooks {
  /** Prepares the workdir and config and starts a bot; resolves once its API answers. */
  launch(
    onExit: (info: { code: number | null; signal: NodeJS.Signals | null; expected: boolean }) => void,
  ): Promise<LaunchedBot>;
  /** The bot died on its own; `retryInMs` null when no restart is left this hour. */
  crashed(reason: string, lastLines: string[], retryInMs: number | null): void;
  /** A restart after a crash succeeded. */
  recovered(): void;
  now(): number;
}

export type SupervisorState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/**
 * Keeps one strategy's bot alive: a crash is reported and followed by a restart after 1 s,
 * doubling to 5 min, at most `maxRestartsPerHour` times; then it stays failed. Knows nothing of
 * the database: the runtime service turns hooks into status changes, logs and alerts.
 */
export class BotSupervisor {
  state: SupervisorState = 'starting';
  bot?: LaunchedBot;
  private readonly budget: RestartBudget;
  private attempt = 0;
  private generation = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly hooks: SupervisorHooks,
    maxRestartsPerHour: number,
    private readonly stopGraceMs: number,
  ) {
    this.budget = new RestartBudget(maxRestartsPerHour);
  }

  restartsLastHour(): number {
    return this.budget.countSince(this.hooks.now());
  }

  /** First start: failures are the caller's (the API answers with them), never retried here. */
  async start(): Promise<void> {
    this.state = 'starting';
    this.bot = await this.launch();
    this.state = 'running';
  }

  /**
   * One launch. An exit before the launch resolved is the launch's failure (it rejects, and its
   * caller decides: the first start answers with it, a restart schedules the next one), never a
   * crash of the running bot — otherwise a bot dying at start-up would also be restarted behind the
   * caller's back, racing whatever the caller does next in the same workdir. Exits of an earlier
   * launch are ignored.
   */
  private async launch(): Promise<LaunchedBot> {
    const generation = ++this.generation;
    let ready = false;
    const bot = await this.hooks.launch((info) => {
      if (ready && generation === this.generation) this.exited(info);
    });
    ready = true;
    if (!bot.process.running)
      setImmediate(() => {
        if (generation === this.generation) this.exited({ code: null, signal: null, expected: false });
      });
    return bot;
  }

  async stop(): Promise<void> {
    this.state = 'stopping';
    clearTimeout(this.timer);
    const bot = this.bot;
    this.bot = undefined;
    if (bot) {
      await bot.capture.close();
      await bot.process.stop(this.stopGraceMs);
    }
    this.state = 'stopped';
  }

  private exited(info: { code: number | null; signal: NodeJS.Signals | null; expected: boolean }): void {
    if (info.expected || this.state === 'stopping' || this.state === 'stopped') return;
    const bot = this.bot;
    const reason = `freqtrade exited unexpectedly (${info.signal ? `signal ${info.signal}` : `exit code ${info.code}`})`;
    void bot?.capture.close();
    this.bot = undefined;
    this.scheduleRestart(reason, bot?.process.lastLines() ?? []);
  }

  private scheduleRestart(reason: string, lastLines: string[]): void {
    if (!this.budget.take(this.hooks.now())) {
      this.state = 'failed';
      this.hooks.crashed(reason, lastLines, null);
      return;
    }
    const delay = restartDelayMs(++this.attempt);
    this.state = 'restarting';
    this.hooks.crashed(reason, lastLines, delay);
    this.timer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.state !== 'restarting') return;
    try {
      const bot = await this.launch();
      if (this.state !== 'restarting') {
        // Stopped while the restart was under way.
        await bot.capture.close();
        await bot.process.stop(this.stopGraceMs);
        return;
      }
      this.bot = bot;
      this.state = 'running';
      this.hooks.recovered();
      // Back to 1 s once it has stayed up for a while; a bot dying right away keeps doubling.
      setTimeout(() => {
        if (this.bot === bot) this.attempt = 0;
      }, 60_000).unref();
    } catch (err) {
      if (this.state !== 'restarting') return;
      this.scheduleRestart(`restart failed: ${(err as Error).message}`, []);
    }
  }
}
