import { describe, expect, it } from '@jest/globals';
import type { IngestResult, SignalCandidate } from '../../signals/signal-candidate.js';
import { BotCapture } from './bot-capture.js';

const frame = (date: number, enter: number | null) =>
  JSON.stringify({
    type: 'analyzed_df',
    data: {
      key: ['BTC/USDT', '1m', 'spot'],
      df: {
        __type__: 'dataframe',
        __value__: JSON.stringify({
          columns: ['date', 'close', 'enter_long'],
          index: [0],
          data: [[date, 100, enter]],
        }),
      },
    },
  });

function capture(ingest: (c: SignalCandidate[]) => Promise<IngestResult>) {
  const notices: string[] = [];
  const c = new BotCapture({
    strategyId: 1,
    exchange: 'binance',
    strengthColumn: 'signal_strength',
    indicatorColumns: [],
    freqtradeVersion: '2025.8',
    port: 1,
    wsToken: 't',
    ingest,
    onNotice: (level, text) => notices.push(`${level} ${text}`),
  });
  return { c, notices };
}

const ok = (n: number): IngestResult => ({
  received: n,
  stored: n,
  duplicates: 0,
  belowThreshold: 0,
  unknownStrategy: 0,
});

describe('BotCapture frame handling', () => {
  it('ingests frames strictly in arrival order, even when an ingest is slow', async () => {
    const order: number[] = [];
    const { c } = capture(async (cs) => {
      const t = cs[0].candleTime.getTime();
      await new Promise((r) => setTimeout(r, t === 1000 ? 30 : 0));
      order.push(t);
      return ok(cs.length);
    });
    void c.handleFrame(frame(1000, 1));
    await c.handleFrame(frame(2000, 1));
    expect(order).toEqual([1000, 2000]);
    expect(c.stats).toMatchObject({ frames: 2, analyzedFrames: 2, signalsStored: 2, badFrames: 0 });
  });

  it('counts and reports malformed frames without stopping', async () => {
    const seen: number[] = [];
    const { c, notices } = capture(async (cs) => {
      seen.push(cs.length);
      return ok(cs.length);
    });
    await c.handleFrame('{not json');
    await c.handleFrame(
      '{"type":"analyzed_df","data":{"key":["X/Y","1m"],"df":{"__type__":"dataframe","__value__":"[]"}}}',
    );
    await c.handleFrame(frame(3000, 1));
    expect(c.stats.badFrames).toBe(2);
    expect(seen).toEqual([1]);
    expect(notices.filter((n) => n.startsWith('WARNING ignored a malformed frame'))).toHaveLength(2);
  });

  it('does not call ingest for a frame without signals', async () => {
    let calls = 0;
    const { c } = capture(async (cs) => {
      calls++;
      return ok(cs.length);
    });
    await c.handleFrame(frame(4000, null));
    expect(calls).toBe(0);
    expect(c.stats.lastAnalyzedMs).not.toBeNull();
  });

  it('retries a failed ingest, then reports it and counts the failure', async () => {
    let calls = 0;
    const { c, notices } = capture(async () => {
      calls++;
      throw new Error('database is down');
    });
    await c.handleFrame(frame(5000, 1));
    expect(calls).toBe(3);
    expect(c.stats.ingestFailures).toBe(1);
    expect(notices.at(-1)).toMatch(/^ERROR could not store 1 signal\(s\): database is down/);
  }, 10_000);

  it('passes warnings and exceptions on with their level', async () => {
    const { c, notices } = capture(async (cs) => ok(cs.length));
    await c.handleFrame('{"type":"warning","status":"Pair X removed"}');
    await c.handleFrame('{"type":"exception","status":"OperationalException"}');
    expect(notices).toEqual(['WARNING Pair X removed', 'ERROR OperationalException']);
  });
});
