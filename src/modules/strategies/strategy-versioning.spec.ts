import { describe, expect, it } from '@jest/globals';
import { VERSION_PATTERN, nextVersion } from './strategy-versioning.js';

describe('nextVersion', () => {
  it('starts at v1.0 and bumps the minor number without rolling over', () => {
    expect(nextVersion(null)).toBe('v1.0');
    expect(nextVersion('v1.0')).toBe('v1.1');
    expect(nextVersion('v1.9')).toBe('v1.10');
    expect(nextVersion('v2.1')).toBe('v2.2');
  });

  it('skips versions already taken (an explicit version may have claimed the next one)', () => {
    expect(nextVersion('v1.0', new Set(['v1.1', 'v1.2']))).toBe('v1.3');
  });

  it('accepts vMAJOR.MINOR only', () => {
    expect(VERSION_PATTERN.test('v2.1')).toBe(true);
    expect(VERSION_PATTERN.test('2.1')).toBe(false);
    expect(VERSION_PATTERN.test('v2.1.3')).toBe(false);
  });
});
