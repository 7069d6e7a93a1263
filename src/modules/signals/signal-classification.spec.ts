import { describe, expect, it } from '@jest/globals';
import { levelOf, priorityOf, signalTypeOf, strengthOf } from './signal-classification.js';

const t = { strong_threshold: 80, medium_threshold: 50, weak_threshold: 20 };

describe('signal classification', () => {
  it('maps raw kinds to BUY/SELL', () => {
    expect(signalTypeOf('enter_long')).toBe('BUY');
    expect(signalTypeOf('exit_short')).toBe('BUY');
    expect(signalTypeOf('exit_long')).toBe('SELL');
    expect(signalTypeOf('enter_short')).toBe('SELL');
  });

  it.each([
    [79.99, 'medium'],
    [80, 'strong'],
    [80.01, 'strong'],
    [50, 'medium'],
    [49.99, 'weak'],
    [20, 'weak'],
    [19.99, null],
    [0, null],
    [100, 'strong'],
  ])('strength %p is %p at 80/50/20', (s, level) => {
    expect(levelOf(s, t)).toBe(level);
  });

  it('clamps to 0–100 and falls back to the default for missing, NaN and non-numbers', () => {
    expect(strengthOf(150, 50)).toBe(100);
    expect(strengthOf(-3, 50)).toBe(0);
    expect(strengthOf(NaN, 42)).toBe(42);
    expect(strengthOf(null, 42)).toBe(42);
    expect(strengthOf(undefined, 42)).toBe(42);
    expect(strengthOf(Infinity, 42)).toBe(42);
    expect(strengthOf('77.5', 42)).toBe(77.5);
    expect(strengthOf('', 42)).toBe(42);
    expect(strengthOf(85.456, 50)).toBe(85.46);
  });

  it('rounds a default strength to the stored precision before it is classified', () => {
    expect(strengthOf(undefined, 79.996)).toBe(80);
    expect(levelOf(strengthOf(undefined, 79.996), t)).toBe('strong');
    expect(strengthOf(NaN, 55.554)).toBe(55.55);
  });

  it('priority follows the level', () => {
    expect([priorityOf('strong'), priorityOf('medium'), priorityOf('weak')]).toEqual(['P0', 'P1', 'P2']);
  });
});
