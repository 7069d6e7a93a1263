import type { BotApiCredentials } from './bot-config.js';

export interface BotHealth {
  lastProcessMs: number | null;
  botStartupMs: number | null;
}

/** The few REST calls the supervisor makes to its own bot (freqtrade-reference §4). */
export class FreqtradeApiClient {
  private readonly base: string;
  private readonly auth: string;

  constructor(api: BotApiCredentials) {
    this.base = `http://127.0.0.1:${api.port}/api/v1`;
    this.auth = `Basic ${Buffer.from(`${api.username}:${api.password}`).toString('base64')}`;
  }

  /** True when the API answers; false while it is not up (yet). */
  async ping(timeoutMs = 2000): Promise<boolean> {
    try {
      const res = await fetch(`${this.base}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
      return res.ok && ((await res.json()) as { status?: string }).status === 'pong';
    } catch {
      return false;
    }
  }

  /** The bot's name as configured: proves the API on this port is ours, not a stranger's. */
  async botName(timeoutMs = 5000): Promise<string | null> {
    const body = await this.get<{ bot_name?: string }>('show_config', timeoutMs);
    return body?.bot_name ?? null;
  }

  async health(timeoutMs = 5000): Promise<BotHealth | null> {
    const body = await this.get<{ last_process_ts?: number | null; bot_startup_ts?: number | null }>(
      'health',
      timeoutMs,
    );
    if (!body) return null;
    const ms = (s: number | null | undefined) => (typeof s === 'number' ? s * 1000 : null);
    return { lastProcessMs: ms(body.last_process_ts), botStartupMs: ms(body.bot_startup_ts) };
  }

  /**
   * The strategy's `plot_config` (how its author wants its columns drawn: `main_plot`, `subplots`);
   * `{}` when it defines none, null when the bot does not answer.
   */
  async plotConfig(timeoutMs = 5000): Promise<Record<string, unknown> | null> {
    const body = await this.get<unknown>('plot_config', timeoutMs);
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : null;
  }

  /** Asks the bot to re-read its config files (it rebuilds itself and its API server); true when accepted. */
  async reloadConfig(timeoutMs = 5000): Promise<boolean> {
    try {
      const res = await fetch(`${this.base}/reload_config`, {
        method: 'POST',
        headers: { authorization: this.auth },
        signal: AbortSignal.timeout(timeoutMs),
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  private async get<T>(path: string, timeoutMs: number): Promise<T | null> {
    try {
      const res = await fetch(`${this.base}/${path}`, {
        headers: { authorization: this.auth },
        signal: AbortSignal.timeout(timeoutMs),
      });
      return res.ok ? ((await res.json()) as T) : null;
    } catch {
      return null;
    }
  }
}
