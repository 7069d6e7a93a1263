import { describe, expect, it, jest } from '@jest/globals';
import { ProxyUsers, type ProxyUser, type ProxyUserProvider } from './proxy-users.js';

function provider(type: string, named: Record<number, string[]>, needing: number[] = []) {
  const released: number[] = [];
  const p: ProxyUserProvider = {
    type,
    usersOf: (_owner, ids) =>
      Promise.resolve(
        new Map(
          ids
            .filter((id) => named[id])
            .map((id) => [id, named[id]!.map((name, i): ProxyUser => ({ type, id: i + 1, name }))]),
        ),
      ),
    release: jest.fn((_owner: number, id: number) => {
      released.push(id);
      return Promise.resolve();
    }),
    ownersNeedingProxy: () => Promise.resolve(needing),
  };
  return { p, released };
}

describe('ProxyUsers', () => {
  it('merges the users every provider reports, per proxy', async () => {
    const sut = new ProxyUsers();
    sut.register(provider('strategy', { 1: ['s1'], 2: ['s2'] }).p);
    sut.register(provider('channel', { 1: ['feishu'] }).p);
    const users = await sut.usersOf(7, [1, 2, 3]);
    expect(users.get(1)).toEqual([
      { type: 'strategy', id: 1, name: 's1' },
      { type: 'channel', id: 1, name: 'feishu' },
    ]);
    expect(users.get(2)).toEqual([{ type: 'strategy', id: 1, name: 's2' }]);
    expect(users.has(3)).toBe(false);
  });

  it('releases through every provider and unions the owners that need a proxy', async () => {
    const sut = new ProxyUsers();
    const a = provider('strategy', {}, [1, 2]);
    const b = provider('channel', {}, [2, 3]);
    sut.register(a.p);
    sut.register(b.p);
    await sut.release(7, 5);
    expect([a.released, b.released]).toEqual([[5], [5]]);
    expect([...(await sut.ownersNeedingProxy())].sort()).toEqual([1, 2, 3]);
  });
});
