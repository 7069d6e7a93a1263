import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  Events,
  type SignalCreatedEvent,
  type StrategyStatusChangedEvent,
  type SystemAlertEvent,
  type TaskProgressEvent,
  type TrainingProgressEvent,
  type TrainingStatusEvent,
} from '../../common/events/event-map.js';
import { wireTimestamp } from '../../common/http/envelope.js';
import { timeframeMs } from '../../common/time/timeframe.js';
import { PUBSUB, type PubSub, type Unsubscribe } from '../../infra/cache/cache.port.js';
import { Metrics } from '../../infra/metrics/metrics.js';
import type { MessageData, MessageType, RoutedMessage } from './realtime-message.js';

/** A transport that delivers routed messages to this instance's connections. */
export interface RealtimeTransport {
  deliver(m: RoutedMessage): void;
}

// Named apart from the per-message channel of earlier releases, so mixed versions never misread each other.
const CHANNEL = 'realtime:batches';

/**
 * What crosses instances: `<origin> <JSON array of the flush's messages, in order>`. The origin
 * comes first so an instance skips its own batches without parsing them.
 */
const encode = (origin: string, messages: RoutedMessage[]) => `${origin} ${JSON.stringify(messages)}`;

/**
 * Domain events → realtime messages, fed to every transport. Messages queue up and are flushed
 * once per event-loop turn (so a burst of signals never runs on its producer's stack): the
 * instance's own transports get them at once, and the other instances get the whole batch in one
 * PubSub message (Redis when configured) and hand it to theirs. The transports never know of each
 * other or of other instances.
 */
@Injectable()
export class RealtimeBus implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeBus.name);
  private readonly transports: RealtimeTransport[] = [];
  /** Tells this instance's own batches apart when the PubSub port hands them back. */
  private readonly origin = randomUUID();
  private queue: RoutedMessage[] = [];
  private flushed?: Promise<void>;
  private unsubscribe?: Unsubscribe;

  constructor(
    @Inject(PUBSUB) private readonly pubsub: PubSub,
    private readonly metrics: Metrics,
  ) {}

  register(transport: RealtimeTransport): void {
    this.transports.push(transport);
  }

  async onModuleInit(): Promise<void> {
    const own = `${this.origin} `;
    this.unsubscribe = await this.pubsub.subscribe(CHANNEL, (raw) => {
      if (raw.startsWith(own)) return; // delivered here when it was flushed
      this.deliver(JSON.parse(raw.slice(raw.indexOf(' ') + 1)) as RoutedMessage[]);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.flushed;
    await this.unsubscribe?.();
  }

  /** Queues a message; resolves once its batch has been delivered here and published to the others. */
  publish<T extends MessageType>(
    type: T,
    data: MessageData[T],
    route: Omit<RoutedMessage, 'message'>,
  ): Promise<void> {
    this.queue.push({ ...route, message: { type, data, timestamp: wireTimestamp() } });
    this.flushed ??= new Promise((resolve) => setImmediate(() => resolve(this.flush())));
    return this.flushed;
  }

  private async flush(): Promise<void> {
    const messages = this.queue;
    this.queue = [];
    this.flushed = undefined;
    this.deliver(messages);
    this.observeLatency(messages);
    // Local connections already have them; a PubSub outage costs only the other instances' copies.
    await this.pubsub
      .publish(CHANNEL, encode(this.origin, messages))
      .catch((err: unknown) =>
        this.logger.warn(`${messages.length} realtime message(s) not published: ${(err as Error).message}`),
      );
  }

  /** Signal end-to-end latency: candle close (open time + timeframe) → emitted to this instance's sockets. */
  private observeLatency(messages: RoutedMessage[]): void {
    const now = Date.now();
    for (const { message } of messages) {
      if (message.type !== 'signal_update') continue;
      const signal = (message.data as MessageData['signal_update']).signal;
      const tf = typeof signal.timeframe === 'string' ? signal.timeframe : '';
      const ms = timeframeMs(tf);
      const open = typeof signal.timestamp === 'string' ? Date.parse(signal.timestamp) : NaN;
      if (ms !== null && Number.isFinite(open)) this.metrics.signalLatency(tf, (now - open - ms) / 1000);
    }
  }

  private deliver(messages: RoutedMessage[]): void {
    for (const m of messages)
      for (const t of this.transports) {
        try {
          t.deliver(m);
        } catch (err) {
          // One failing connection or transport must not cost the rest of the batch its delivery.
          this.logger.error(`realtime ${m.message.type} not delivered: ${(err as Error).message}`);
        }
      }
  }

  @OnEvent(Events.SignalCreated)
  onSignal(e: SignalCreatedEvent): Promise<void> {
    return this.publish(
      'signal_update',
      { signal: e.signal },
      { ownerId: e.ownerId, strategyId: e.signal.strategy_id, pair: e.signal.pair },
    );
  }

  @OnEvent(Events.StrategyStatusChanged)
  onStatus(e: StrategyStatusChangedEvent): Promise<void> {
    return this.publish(
      'strategy_status_update',
      { strategy_id: e.strategyId, status: e.status, health_score: e.healthScore },
      { ownerId: e.ownerId, strategyId: e.strategyId },
    );
  }

  @OnEvent(Events.SystemAlert)
  onAlert(e: SystemAlertEvent): Promise<void> {
    return this.publish(
      'system_alert',
      { level: e.level, message: e.message, component: e.component },
      { ownerId: e.ownerId },
    );
  }

  /** To the task's owner; a system task (owner null) to everyone, like a system alert. */
  @OnEvent(Events.TaskProgress)
  onTaskProgress(e: TaskProgressEvent): Promise<void> {
    return this.publish(
      'task_progress',
      {
        task_id: e.taskId,
        task_name: e.taskName,
        status: e.status,
        progress: e.progress,
        progress_message: e.message,
        related_type: e.relatedType,
        related_id: e.relatedId,
        error: e.error,
      },
      { ownerId: e.ownerId },
    );
  }

  @OnEvent(Events.TrainingProgress)
  onTrainingProgress(e: TrainingProgressEvent): Promise<void> {
    return this.publish(
      'training_progress',
      {
        job_id: e.jobId,
        progress: e.progress,
        current_epoch: e.currentEpoch,
        total_epochs: e.totalEpochs,
        metrics: e.metrics,
      },
      { ownerId: e.ownerId, jobId: e.jobId, ...(e.strategyId === null ? {} : { strategyId: e.strategyId }) },
    );
  }

  @OnEvent(Events.TrainingStatus)
  onTrainingStatus(e: TrainingStatusEvent): Promise<void> {
    return this.publish(
      'training_status',
      { job_id: e.jobId, status: e.status, error: e.error },
      { ownerId: e.ownerId, jobId: e.jobId, ...(e.strategyId === null ? {} : { strategyId: e.strategyId }) },
    );
  }
}
