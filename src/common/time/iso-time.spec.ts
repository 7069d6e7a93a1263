import { describe, expect, it } from '@jest/globals';
import { isoTime, isoTimeMemoSize } from './iso-time.js';

describe('isoTime', () => {
  it('formats with milliseconds in UTC, the same as Date#toISOString, on repeated calls too', () => {
    for (const ms of [0, 1_796_646_133_123, 1_796_646_133_123, -86_400_001]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    expect(isoTime(1_796_646_133_123)).toBe('2026-12-07T12:22:13.123Z');
  });

  it('stays bounded: past its size it starts over instead of growing', () => {
    for (let i = 0; i < 120_000; i++) isoTime(i * 60_000);
    expect(isoTimeMemoSize()).toBeLessThanOrEqual(50_000);
    expect(isoTime(119_999 * 60_000)).toBe(new Date(119_999 * 60_000).toISOString());
  });
});
