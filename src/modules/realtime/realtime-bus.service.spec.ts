import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { PubSub } from '../../infra/cache/cache.port.js';
import { MemoryPubSub } from '../../infra/cache/memory-cache.adapter.js';
import { Metrics } from '../../infra/metrics/metrics.js';
import { RealtimeBus, type RealtimeTransport } from './realtime-bus.service.js';
import type { RoutedMessage } from './realtime-message.js';

const signal = (n: number) => ({
  ownerId: 7,
  signal: { id: `s${n}`, strategy_id: 1, pair: 'BTC/USDT', signal_type: 'BUY' },
});

/** A transport that records what it was handed (or throws on one message id). */
function transport(failOn?: string): RealtimeTransport & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    deliver(m: RoutedMessage) {
      const id = (m.message.data as { signal?: { id: string } }).signal?.id ?? m.message.type;
      if (id === failOn) throw new Error('socket gone');
      got.push(id);
    },
  };
}

/** Two buses on one PubSub: two instances of the app. */
async function instances(pubsub: PubSub) {
  const a = new RealtimeBus(pubsub, new Metrics());
  const b = new RealtimeBus(pubsub, new Metrics());
  const [ta, tb] = [transport(), transport()];
  a.register(ta);
  b.register(tb);
  await a.onModuleInit();
  await b.onModuleInit();
  return { a, b, ta, tb };
}

describe('RealtimeBus', () => {
  const logged = { error: [] as string[], warn: [] as string[] };
  jest.spyOn(Logger.prototype, 'error').mockImplementation((m: unknown) => void logged.error.push(String(m)));
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => void logged.warn.push(String(m)));
  afterEach(() => {
    logged.error.length = 0;
    logged.warn.length = 0;
  });

  it('publishes a burst as one PubSub message; every instance delivers it once, in order', async () => {
    const pubsub = new MemoryPubSub();
    const published: string[] = [];
    const counting: PubSub = {
      publish: (channel, message) => {
        published.push(message);
        return pubsub.publish(channel, message);
      },
      subscribe: (channel, handler) => pubsub.subscribe(channel, handler),
    };
    const { a, b, ta, tb } = await instances(counting);
    const done = [1, 2, 3].map((n) => a.onSignal(signal(n)));
    expect(ta.got).toEqual([]); // never on the producer's stack
    await Promise.all(done);
    await new Promise((r) => setImmediate(r));
    expect(published).toHaveLength(1);
    expect(ta.got).toEqual(['s1', 's2', 's3']);
    expect(tb.got).toEqual(['s1', 's2', 's3']);
    await a.onSignal(signal(4));
    await new Promise((r) => setImmediate(r));
    expect(published).toHaveLength(2);
    expect(tb.got).toEqual(['s1', 's2', 's3', 's4']);
    await Promise.all([a.onModuleDestroy(), b.onModuleDestroy()]);
  });

  it('keeps messages of every type in one order', async () => {
    const { a, ta } = await instances(new MemoryPubSub());
    await Promise.all([
      a.onSignal(signal(1)),
      a.onAlert({ level: 'error', message: 'm', component: 'proxy', ownerId: null }),
      a.onSignal(signal(2)),
    ]);
    expect(ta.got).toEqual(['s1', 'system_alert', 's2']);
  });

  it('a transport failing on one message costs neither the rest nor the other instances', async () => {
    const pubsub = new MemoryPubSub();
    const a = new RealtimeBus(pubsub, new Metrics());
    const failing = transport('s2');
    const healthy = transport();
    a.register(failing);
    a.register(healthy);
    const b = new RealtimeBus(pubsub, new Metrics());
    const remote = transport();
    b.register(remote);
    await a.onModuleInit();
    await b.onModuleInit();
    await Promise.all([1, 2, 3].map((n) => a.onSignal(signal(n))));
    await new Promise((r) => setImmediate(r));
    expect(failing.got).toEqual(['s1', 's3']);
    expect(healthy.got).toEqual(['s1', 's2', 's3']);
    expect(remote.got).toEqual(['s1', 's2', 's3']);
    expect(logged.error).toEqual(['realtime signal_update not delivered: socket gone']);
  });

  it('local delivery does not depend on the PubSub port', async () => {
    const down: PubSub = {
      publish: () => Promise.reject(new Error('redis down')),
      subscribe: () => Promise.resolve(() => Promise.resolve()),
    };
    const sut = new RealtimeBus(down, new Metrics());
    const local = transport();
    sut.register(local);
    await sut.onModuleInit();
    await expect(sut.onSignal(signal(1))).resolves.toBeUndefined();
    expect(local.got).toEqual(['s1']);
    expect(logged.warn).toEqual(['1 realtime message(s) not published: redis down']);
  });
});
