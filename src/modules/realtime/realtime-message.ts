/**
 * The server→client messages of both realtime transports (socket.io on /ws, plain WebSocket on
 * /api/v1/ws), declared once. Every message is `{type, data, timestamp}`; socket.io emits it as an
 * event named by its type.
 */
export const MESSAGE_TYPES = [
  'signal_update',
  'strategy_status_update',
  'system_alert',
  'task_progress',
  'training_progress',
  'training_status',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface SignalUpdateData {
  /** The full signal, as GET /api/v1/signals/{id} returns it. */
  signal: Record<string, unknown> & { id: string; strategy_id: number; pair: string };
}
export interface StrategyStatusUpdateData {
  strategy_id: number;
  status: string;
  health_score: number | null;
}
export interface SystemAlertData {
  level: 'info' | 'warning' | 'error' | 'critical';
  message: string;
  component: string;
}

/** A long-running task's progress or status changed; GET /api/v1/tasks/{task_id} has the whole row. */
export interface TaskProgressData {
  task_id: string;
  task_name: string;
  status: string;
  progress: number;
  progress_message: string | null;
  related_type: string | null;
  related_id: string | null;
  error: string | null;
}

/** A training job saved an epoch (seed: job_id, progress, current_epoch, metrics). */
export interface TrainingProgressData {
  job_id: number;
  progress: number;
  current_epoch: number;
  total_epochs: number | null;
  metrics: Record<string, unknown>;
}

/** A training job started, completed, failed or was cancelled. */
export interface TrainingStatusData {
  job_id: number;
  status: string;
  error: string | null;
}

export interface MessageData {
  signal_update: SignalUpdateData;
  strategy_status_update: StrategyStatusUpdateData;
  system_alert: SystemAlertData;
  task_progress: TaskProgressData;
  training_progress: TrainingProgressData;
  training_status: TrainingStatusData;
}

export interface WireMessage<T extends MessageType = MessageType> {
  type: T;
  data: MessageData[T];
  timestamp: string;
}

/** socket.io's typed map for clients: `io<ServerToClientEvents>()`. */
export type ServerToClientEvents = { [T in MessageType]: (message: WireMessage<T>) => void };

/** What `subscribe`/`unsubscribe` acknowledge with. */
export type SubscriptionAck =
  | { ok: true; subscription: Subscription }
  | { ok: false; error: { code: 'VALIDATION_ERROR'; details: { field: string; message: string }[] } };

/** socket.io's typed map of what clients send: `io<ServerToClientEvents, ClientToServerEvents>()`. */
export interface ClientToServerEvents {
  subscribe(subscription: Subscription, ack: (result: SubscriptionAck) => void): void;
  unsubscribe(subscription: Subscription, ack: (result: SubscriptionAck) => void): void;
}

/** A message with what routing needs: whose it is (null: everyone's) and what it is about. */
export interface RoutedMessage<T extends MessageType = MessageType> {
  message: WireMessage<T>;
  ownerId: number | null;
  strategyId?: number;
  pair?: string;
  /** A training job's messages: only to subscribers of that job (or of every job). */
  jobId?: number;
}

/** What a client narrowed its stream to; an absent key means "everything". */
export interface Subscription {
  strategy_ids?: number[];
  pairs?: string[];
  types?: MessageType[];
  /** Training jobs whose messages to receive. */
  job_ids?: number[];
}

// Room dimensions: a value, '*' (subscribed to all), or '-' (events that carry no such value).
const ALL = '*';
const NONE = '-';
const MAX_ROOMS = 2000;

function roomName(owner: string, s: string, p: string, t: string, j: string): string {
  return `u:${owner}|s:${s}|p:${p}|t:${t}|j:${j}`;
}

/**
 * The rooms a socket joins for its subscription. A filtered dimension also joins '-', so events
 * that do not carry that dimension (a status update has no pair) still arrive.
 */
export function roomsFor(userId: number, sub: Subscription): string[] {
  const s = sub.strategy_ids ? [...sub.strategy_ids.map(String), NONE] : [ALL];
  const p = sub.pairs ? [...sub.pairs, NONE] : [ALL];
  const t = sub.types ?? [ALL];
  const j = sub.job_ids ? [...sub.job_ids.map(String), NONE] : [ALL];
  if (s.length * p.length * t.length * j.length > MAX_ROOMS)
    throw new RangeError('subscription too broad to route');
  const rooms: string[] = [];
  for (const owner of [String(userId), ALL])
    for (const a of s)
      for (const b of p) for (const c of t) for (const d of j) rooms.push(roomName(owner, a, b, c, d));
  return rooms;
}

/** The rooms a message goes to: every combination of its own values and '*' (16 at most). */
export function roomsOf(m: RoutedMessage): string[] {
  const owner = m.ownerId === null ? ALL : String(m.ownerId);
  const s = [ALL, m.strategyId === undefined ? NONE : String(m.strategyId)];
  const p = [ALL, m.pair ?? NONE];
  const t = [ALL, m.message.type];
  const j = [ALL, m.jobId === undefined ? NONE : String(m.jobId)];
  const rooms: string[] = [];
  for (const a of s)
    for (const b of p) for (const c of t) for (const d of j) rooms.push(roomName(owner, a, b, c, d));
  return rooms;
}

/** The same decision for one connection (the plain WebSocket transport filters per socket). */
export function wants(userId: number, sub: Subscription, m: RoutedMessage): boolean {
  if (m.ownerId !== null && m.ownerId !== userId) return false;
  if (sub.types && !sub.types.includes(m.message.type)) return false;
  if (sub.strategy_ids && m.strategyId !== undefined && !sub.strategy_ids.includes(m.strategyId))
    return false;
  if (sub.pairs && m.pair !== undefined && !sub.pairs.includes(m.pair)) return false;
  if (sub.job_ids && m.jobId !== undefined && !sub.job_ids.includes(m.jobId)) return false;
  return true;
}
