import { describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import type { SecretBox } from '../../infra/crypto/secret-box.js';
import type { ProxySelector } from '../../infra/http/proxy-selector.js';
import type { NotificationChannelEntity } from './entities/notification-channel.entity.js';
import { NotificationChannelsService } from './notification-channels.service.js';

function serviceWith(rows: Partial<NotificationChannelEntity>[]) {
  const queries: unknown[] = [];
  const db = {
    getRepository: () => ({
      find: async (q: unknown) => {
        queries.push(q);
        return rows;
      },
    }),
  } as unknown as DataSource;
  const svc = new NotificationChannelsService(db, {} as SecretBox, {} as ProxySelector);
  return { svc, queries };
}

/** Resolves `ask()` from `n` setImmediate callbacks, as the planner's async listeners run. */
function fromListeners<T>(n: number, ask: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => new Promise<T>((res) => setImmediate(() => res(ask(i))))),
  );
}

describe('NotificationChannelsService.enabledChannels', () => {
  it('answers the listeners of one ingest batch with one query, each owner its own channels', async () => {
    const { svc, queries } = serviceWith([
      { id: 1, ownerId: 7, type: 'feishu' },
      { id: 2, ownerId: 9, type: 'sms' },
    ]);
    const answers = await fromListeners(100, (i) => svc.enabledChannels(i % 2 ? 7 : 9));
    expect(queries).toHaveLength(1);
    expect(answers[1]!.map((c) => c.id)).toEqual([1]);
    expect(answers[0]!.map((c) => c.id)).toEqual([2]);
  });

  it('keeps nothing between turns: a later batch queries again and sees a channel enabled meanwhile', async () => {
    const rows: Partial<NotificationChannelEntity>[] = [];
    const { svc, queries } = serviceWith(rows);
    expect(await svc.enabledChannels(7)).toEqual([]);
    rows.push({ id: 3, ownerId: 7, type: 'feishu' });
    expect((await svc.enabledChannels(7)).map((c) => c.id)).toEqual([3]);
    expect(queries).toHaveLength(2);
  });
});
