import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  Events,
  type SignalCreatedEvent,
  type StrategyStatusChangedEvent,
  type SystemAlertEvent,
  type TaskProgressEvent,
} from '../../common/events/event-map.js';
import { wireTimestamp } from '../../common/http/envelope.js';
import { PUBSUB, type PubSub, type Unsubscribe } from '../../infra/cache/cache.port.js';
import type { MessageData, MessageType, RoutedMessage } from './realtime-message.js';

/** A transport that delivers routed messages to connections. */
export interface RealtimeTransport {
  /**
   * True when the transport reaches other instances' connections itself (socket.io with its Redis
   * adapter): it is handed each message once, where it happened. Otherwise every instance hands
   * it each message, through the PubSub port, for its own connections.
   */
  readonly spansInstances: boolean;
  deliver(m: RoutedMessage): void;
}

const CHANNEL = 'realtime';

/**
 * Domain events → realtime messages, fed to every transport. socket.io spans instances through
 * its Redis adapter; the plain WebSocket server gets each message on every instance over the
 * PubSub port (Redis when configured). The transports never know of each other.
 */
@Injectable()
export class RealtimeBus implements OnModuleInit, OnModuleDestroy {
  private readonly transports: RealtimeTransport[] = [];
  private unsubscribe?: Unsubscribe;

  constructor(@Inject(PUBSUB) private readonly pubsub: PubSub) {}

  register(transport: RealtimeTransport): void {
    this.transports.push(transport);
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.pubsub.subscribe(CHANNEL, (raw) => {
      const m = JSON.parse(raw) as RoutedMessage;
      for (const t of this.transports) if (!t.spansInstances) t.deliver(m);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  async publish<T extends MessageType>(
    type: T,
    data: MessageData[T],
    route: Omit<RoutedMessage, 'message'>,
  ): Promise<void> {
    const m: RoutedMessage<T> = { ...route, message: { type, data, timestamp: wireTimestamp() } };
    for (const t of this.transports) if (t.spansInstances) t.deliver(m);
    await this.pubsub.publish(CHANNEL, JSON.stringify(m));
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
}
