import WebSocket from 'ws';
import type { IngestResult, SignalCandidate } from '../../signals/signal-candidate.js';
import { restartDelayMs } from '../bot/backoff.js';
import {
  FrameError,
  candidatesFrom,
  parseBotMessage,
  type BotMessage,
  type CaptureSettings,
} from './analyzed-df.js';
import { AnalyzedFrames } from './analyzed-frames.js';

export interface CaptureOptions extends CaptureSettings {
  port: number;
  wsToken: string;
  ingest: (candidates: SignalCandidate[]) => Promise<IngestResult>;
  /** warning / exception / strategy_msg texts, and the capture's own trouble. */
  onNotice: (level: 'INFO' | 'WARNING' | 'ERROR', text: string, kind: string) => void;
  /** Rows asked for on every (re)connect; freqtrade caps at 1500. */
  backfillLimit?: number;
  maxFrameBytes?: number;
  now?: () => number;
}

export interface CaptureStats {
  connected: boolean;
  connects: number;
  frames: number;
  analyzedFrames: number;
  badFrames: number;
  ingestFailures: number;
  lastAnalyzedMs: number | null;
  signalsStored: number;
  duplicates: number;
}

const SUBSCRIBE = [
  'analyzed_df',
  'new_candle',
  'whitelist',
  'warning',
  'exception',
  'startup',
  'strategy_msg',
];
// freqtrade's own consumer: ping after 30 s of silence, give up 10 s later (reference §3.6).
const IDLE_PING_MS = 30_000;
const PONG_WAIT_MS = 10_000;
const INGEST_RETRIES = 3;
const MAX_BATCH = 2000;

/**
 * The bot's message websocket → the signal journal. Subscribes at once (freqtrade has no replay),
 * then asks for every pair's recent analyzed rows, so whatever was missed while disconnected is
 * recovered; duplicates are the journal's to ignore. Frames are ingested strictly in order. A
 * frame it cannot read is counted and logged, never fatal; a lost connection reconnects with
 * backoff until `close()`.
 */
export class BotCapture {
  readonly stats: CaptureStats = {
    connected: false,
    connects: 0,
    frames: 0,
    analyzedFrames: 0,
    badFrames: 0,
    ingestFailures: 0,
    lastAnalyzedMs: null,
    signalsStored: 0,
    duplicates: 0,
  };
  /** The latest analysed rows per pair, for charts (the journal only keeps signal rows). */
  readonly frames = new AnalyzedFrames();
  private ws?: WebSocket;
  private closed = false;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private pongTimer?: NodeJS.Timeout;
  /** Candidates received and not yet handed to the journal, in arrival order. */
  private readonly queue: SignalCandidate[] = [];
  private draining?: Promise<void>;
  private readonly now: () => number;
  private readonly connectedWaiters: (() => void)[] = [];
  /** Pairs whose history this connection has received (or asked for after their first analysis). */
  private backfilled = new Set<string>();

  constructor(private readonly o: CaptureOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.connect();
  }

  /** Resolves on the first successful connection (or when closed). */
  whenConnected(): Promise<void> {
    if (this.stats.connected || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** Stops reconnecting, closes the socket and waits for frames already received to be ingested. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.clearKeepalive();
    this.ws?.terminate();
    this.connectedWaiters.splice(0).forEach((r) => r());
    await this.draining;
  }

  /** Lets tests and the bench feed frames exactly as they come off the socket. */
  handleFrame(raw: string): Promise<void> {
    this.stats.frames++;
    let msg: BotMessage;
    try {
      msg = parseBotMessage(raw);
    } catch (err) {
      this.stats.badFrames++;
      const why = err instanceof FrameError ? err.message : String(err);
      this.o.onNotice('WARNING', `ignored a malformed frame from the bot: ${why}`, 'capture');
      return this.draining ?? Promise.resolve();
    }
    switch (msg.type) {
      case 'analyzed_df': {
        this.stats.analyzedFrames++;
        this.stats.lastAnalyzedMs = this.now();
        // Candles missed between two broadcasts (a pair whose analysis failed for a while): refill.
        if (this.frames.record(msg, this.stats.lastAnalyzedMs))
          this.send({ type: 'analyzed_df', data: { limit: this.limit, pair: msg.pair } });
        // A broadcast carries one row; more rows is the history we asked for.
        if (msg.rows.length > 1) this.backfilled.add(msg.pair);
        const candidates = candidatesFrom(msg, this.o);
        if (candidates.length) {
          this.queue.push(...candidates);
          return this.drain();
        }
        break;
      }
      case 'new_candle':
        // Asked right after start-up, a pair not analysed yet answers with an empty frame, and the
        // first analysis is broadcast as its last row only: ask again now that the pair has data.
        if (!this.backfilled.has(msg.pair)) {
          this.backfilled.add(msg.pair);
          this.send({ type: 'analyzed_df', data: { limit: this.limit, pair: msg.pair } });
        }
        break;
      case 'warning':
        this.o.onNotice('WARNING', msg.text, 'warning');
        break;
      case 'exception':
        this.o.onNotice('ERROR', msg.text, 'exception');
        break;
      case 'strategy_msg':
        this.o.onNotice('INFO', msg.text, 'strategy_msg');
        break;
      default:
        break;
    }
    return this.draining ?? Promise.resolve();
  }

  /**
   * One ingest at a time, in order; whatever arrived while one was in flight goes in the next,
   * as one batch — so a burst of frames costs a few round trips, not one each. Resolves when the
   * queue is empty (the frame that called it included).
   */
  private drain(): Promise<void> {
    this.draining ??= (async () => {
      try {
        while (this.queue.length) await this.ingest(this.queue.splice(0, MAX_BATCH));
      } finally {
        // No await between the last check of the queue and here: nothing can be left behind.
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  private async ingest(candidates: SignalCandidate[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.o.ingest(candidates);
        this.stats.signalsStored += r.stored;
        this.stats.duplicates += r.duplicates;
        return;
      } catch (err) {
        if (attempt >= INGEST_RETRIES || this.closed) {
          this.stats.ingestFailures++;
          this.o.onNotice(
            'ERROR',
            `could not store ${candidates.length} signal(s): ${(err as Error).message}; they are recovered at the next reconnect`,
            'capture',
          );
          // A reconnect backfills from the bot, so nothing stays lost once the journal is back.
          this.ws?.terminate();
          return;
        }
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }

  private get limit(): number {
    return this.o.backfillLimit ?? 1500;
  }

  private send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private connect(): void {
    if (this.closed) return;
    const url = `ws://127.0.0.1:${this.o.port}/api/v1/message/ws?token=${encodeURIComponent(this.o.wsToken)}`;
    const ws = new WebSocket(url, {
      maxPayload: this.o.maxFrameBytes ?? 64 * 1024 * 1024,
      handshakeTimeout: 10_000,
    });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.stats.connected = true;
      this.stats.connects++;
      this.backfilled = new Set();
      this.send({ type: 'subscribe', data: SUBSCRIBE });
      this.send({ type: 'analyzed_df', data: { limit: this.limit } });
      this.armKeepalive();
      this.connectedWaiters.splice(0).forEach((r) => r());
    });
    ws.on('message', (data, isBinary) => {
      this.armKeepalive();
      if (isBinary) {
        this.stats.frames++;
        this.stats.badFrames++;
        this.o.onNotice('WARNING', 'ignored a binary frame from the bot', 'capture');
        return;
      }
      void this.handleFrame(data.toString());
    });
    ws.on('pong', () => clearTimeout(this.pongTimer));
    ws.on('error', (err) => {
      // An oversized frame lands here (ws closes with 1009); so do refused connections while the
      // bot restarts. Both end in 'close', which reconnects.
      if (/max payload/i.test(err.message)) {
        this.stats.badFrames++;
        this.o.onNotice('WARNING', `dropped an oversized frame from the bot: ${err.message}`, 'capture');
      }
    });
    ws.on('close', () => {
      const wasConnected = this.stats.connected;
      this.stats.connected = false;
      this.clearKeepalive();
      if (this.closed) return;
      if (wasConnected) this.o.onNotice('WARNING', 'lost the connection to the bot; reconnecting', 'capture');
      this.reconnectTimer = setTimeout(() => this.connect(), restartDelayMs(++this.attempt, 250, 10_000));
    });
  }

  private armKeepalive(): void {
    this.clearKeepalive();
    this.idleTimer = setTimeout(() => {
      this.ws?.ping();
      this.pongTimer = setTimeout(() => this.ws?.terminate(), PONG_WAIT_MS);
    }, IDLE_PING_MS);
  }

  private clearKeepalive(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.pongTimer);
  }
}
