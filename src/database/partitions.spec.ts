import { describe, expect, it } from '@jest/globals';
import { monthStart, partitionName } from './partitions.js';

describe('partition naming', () => {
  it('month boundaries are UTC and roll over the year', () => {
    const d = new Date('2026-11-30T23:59:59Z');
    expect(monthStart(d).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(monthStart(d, 2).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(monthStart(d, -11).toISOString()).toBe('2025-12-01T00:00:00.000Z');
  });

  it('names partitions table_yYYYYmMM', () => {
    expect(partitionName('system_logs', new Date('2027-03-01T00:00:00Z'))).toBe('system_logs_y2027m03');
  });
});
