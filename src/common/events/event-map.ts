/**
 * Domain events, named once with their payloads. Producers emit through EventEmitter2; consumers
 * (realtime, notifications) listen. An in-process event is not durable: nothing that must survive a
 * crash depends on one alone.
 */
export const Events = {
  StrategyStatusChanged: 'strategy.status_changed',
} as const;

export interface StrategyStatusChangedEvent {
  strategyId: number;
  ownerId: number;
  status: string;
  previousStatus: string;
  healthScore: number | null;
  reason?: string;
}

export interface EventPayloads {
  [Events.StrategyStatusChanged]: StrategyStatusChangedEvent;
}
