/** The four signal columns freqtrade strategies set to 1. */
export const SIGNAL_KINDS = ['enter_long', 'exit_long', 'enter_short', 'exit_short'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export const SIGNAL_TYPES = ['BUY', 'SELL', 'HOLD'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

export const STRENGTH_LEVELS = ['strong', 'medium', 'weak'] as const;
export type StrengthLevel = (typeof STRENGTH_LEVELS)[number];

export const PRIORITIES = ['P0', 'P1', 'P2'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Thresholds {
  strong_threshold: number;
  medium_threshold: number;
  weak_threshold: number;
}

/** BUY opens a long or closes a short; SELL closes a long or opens a short. */
export function signalTypeOf(kind: SignalKind): SignalType {
  return kind === 'enter_long' || kind === 'exit_short' ? 'BUY' : 'SELL';
}

/**
 * The strength column's value clamped to 0–100, or the strategy's default when it is missing or not
 * a number; rounded to the stored precision (numeric(5,2)), so the level is decided on what is stored.
 */
export function strengthOf(value: unknown, defaultStrength: number): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  return Math.round(Math.min(100, Math.max(0, Number.isFinite(n) ? n : defaultStrength)) * 100) / 100;
}

/** Level by the strategy's thresholds (each inclusive); below weak there is none and the signal is not stored. */
export function levelOf(strength: number, t: Thresholds): StrengthLevel | null {
  if (strength >= t.strong_threshold) return 'strong';
  if (strength >= t.medium_threshold) return 'medium';
  if (strength >= t.weak_threshold) return 'weak';
  return null;
}

const PRIORITY: Record<StrengthLevel, Priority> = { strong: 'P0', medium: 'P1', weak: 'P2' };

export function priorityOf(level: StrengthLevel): Priority {
  return PRIORITY[level];
}
