import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ProgressWriter } from './progress-writer.js';

describe('ProgressWriter', () => {
  let value: number;
  let written: number[];
  let sut: ProgressWriter;

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    value = 0;
    written = [];
    sut = new ProgressWriter(
      async () => void written.push(value),
      () => Date.now(),
      500,
      (err) => {
        throw err;
      },
    );
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const report = (v: number) => {
    value = v;
    sut.changed();
  };

  it('writes the first report at once and coalesces a burst into one trailing write of the newest value', async () => {
    report(1);
    await Promise.resolve();
    expect(written).toEqual([1]);
    for (let v = 2; v <= 50; v++) report(v);
    await jest.advanceTimersByTimeAsync(499);
    expect(written).toEqual([1]);
    await jest.advanceTimersByTimeAsync(1);
    expect(written).toEqual([1, 50]);
  });

  it('never writes more often than the interval', async () => {
    for (let ms = 0; ms < 3000; ms += 50) {
      report(ms);
      await jest.advanceTimersByTimeAsync(50);
    }
    await jest.advanceTimersByTimeAsync(500);
    expect(written.length).toBeGreaterThanOrEqual(6);
    expect(written.length).toBeLessThanOrEqual(7);
    expect(written.at(-1)).toBe(2950);
  });

  it('close drops a pending trailing write (the final row carries the value) and waits for one in flight', async () => {
    let release!: () => void;
    const slow = new ProgressWriter(
      () => {
        const v = value;
        return new Promise<void>((r) => (release = () => (written.push(v), r())));
      },
      () => Date.now(),
      500,
      () => undefined,
    );
    value = 7;
    slow.changed();
    await jest.advanceTimersByTimeAsync(0);
    value = 8;
    slow.changed();
    let closed = false;
    const closing = slow.close().then(() => (closed = true));
    await jest.advanceTimersByTimeAsync(1000);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(written).toEqual([7]);
    slow.changed();
    await jest.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([7]);
  });

  it('a failed write is reported, and later writes go on', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const flaky = new ProgressWriter(
      async () => {
        if (fail) throw new Error('db down');
        written.push(value);
      },
      () => Date.now(),
      500,
      (err) => errors.push(err),
    );
    value = 1;
    flaky.changed();
    await jest.advanceTimersByTimeAsync(0);
    fail = false;
    value = 2;
    flaky.changed();
    await jest.advanceTimersByTimeAsync(500);
    expect(errors).toHaveLength(1);
    expect(written).toEqual([2]);
  });
});
