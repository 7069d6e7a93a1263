/**
 * Domain events, named once with their payloads. Producers emit through EventEmitter2; consumers
 * (realtime, notifications) listen. An in-process event is not durable: nothing that must survive a
 * crash depends on one alone.
 */
export const Events = {
  StrategyStatusChanged: 'strategy.status_changed',
  SignalCreated: 'signal.created',
  SystemAlert: 'system.alert',
  TaskProgress: 'task.progress',
  StrategyRuntimeFailed: 'strategy.runtime_failed',
  StrategyRuntimeRecovered: 'strategy.runtime_recovered',
  ProxyPoolChanged: 'proxy.pool_changed',
  TrainingProgress: 'training.progress',
  TrainingStatus: 'training.status',
} as const;

/** A running strategy's bot died on its own; `retryInMs` null when no automatic restart is left. */
export interface StrategyRuntimeFailedEvent {
  strategyId: number;
  ownerId: number;
  reason: string;
  lastLines: string[];
  retryInMs: number | null;
}

/** An automatic restart after a crash brought the bot back. */
export interface StrategyRuntimeRecoveredEvent {
  strategyId: number;
  ownerId: number;
}

/** Something an operator should see now (a bot crashed, a proxy died); ownerId null: everyone. */
export interface SystemAlertEvent {
  level: 'info' | 'warning' | 'error' | 'critical';
  message: string;
  component: string;
  ownerId: number | null;
}

/** A new signal in the journal, as GET /signals/{id} returns it, with its owner for routing. */
export interface SignalCreatedEvent {
  ownerId: number;
  signal: { id: string; strategy_id: number; pair: string; signal_type: string } & Record<string, unknown>;
}

export interface StrategyStatusChangedEvent {
  strategyId: number;
  ownerId: number;
  status: string;
  previousStatus: string;
  healthScore: number | null;
  reason?: string;
}

/** A task moved: new progress or a new status. ownerId null: a system task, everyone's. */
export interface TaskProgressEvent {
  taskId: string;
  taskName: string;
  ownerId: number | null;
  status: string;
  progress: number;
  message: string | null;
  relatedType: string | null;
  relatedId: string | null;
  error: string | null;
}

/**
 * An owner's proxies changed in a way that may change who uses which (a health transition, an edit,
 * a delete): consumers holding a proxy re-ask the pool.
 */
export interface ProxyPoolChangedEvent {
  ownerId: number;
  proxyId: number;
  reason: string;
}

/** A training job saved another hyperopt epoch. */
export interface TrainingProgressEvent {
  jobId: number;
  ownerId: number;
  strategyId: number | null;
  progress: number;
  currentEpoch: number;
  totalEpochs: number | null;
  metrics: Record<string, unknown>;
}

/** A training job started, completed, failed or was cancelled. */
export interface TrainingStatusEvent {
  jobId: number;
  ownerId: number;
  strategyId: number | null;
  status: string;
  error: string | null;
}

export interface EventPayloads {
  [Events.StrategyStatusChanged]: StrategyStatusChangedEvent;
  [Events.SignalCreated]: SignalCreatedEvent;
  [Events.SystemAlert]: SystemAlertEvent;
  [Events.TaskProgress]: TaskProgressEvent;
  [Events.StrategyRuntimeFailed]: StrategyRuntimeFailedEvent;
  [Events.StrategyRuntimeRecovered]: StrategyRuntimeRecoveredEvent;
  [Events.ProxyPoolChanged]: ProxyPoolChangedEvent;
  [Events.TrainingProgress]: TrainingProgressEvent;
  [Events.TrainingStatus]: TrainingStatusEvent;
}
