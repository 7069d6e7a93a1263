import { describe, expect, it } from '@jest/globals';
import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('keeps at most its size, forgetting the oldest-set entry; a re-set entry counts as newest', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 3);
    m.set('c', 4);
    expect([m.get('a'), m.get('b'), m.get('c')]).toEqual([3, undefined, 4]);
  });

  it('getOrMake makes a missing value once', () => {
    const m = new BoundedMap<string, number>(2);
    let made = 0;
    expect(m.getOrMake('x', () => ++made)).toBe(1);
    expect(m.getOrMake('x', () => ++made)).toBe(1);
    expect(made).toBe(1);
  });
});
