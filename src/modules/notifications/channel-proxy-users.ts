import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { ProxyUsers, type ProxyUser, type ProxyUserProvider } from '../../infra/http/proxy-users.js';
import { NotificationChannelEntity } from './entities/notification-channel.entity.js';

/**
 * Notification channels as proxy users: a channel's `proxy_id` shows in the proxy's `in_use_by`,
 * and a forced delete of the proxy clears it (the channel then sends directly, as without one).
 */
@Injectable()
export class ChannelProxyUsers implements ProxyUserProvider, OnModuleInit {
  readonly type = 'channel';

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly registry: ProxyUsers,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async usersOf(ownerId: number, proxyIds: number[]): Promise<Map<number, ProxyUser[]>> {
    const rows = await this.db
      .getRepository(NotificationChannelEntity)
      .find({ where: { ownerId, proxyId: In(proxyIds) }, select: { id: true, type: true, proxyId: true } });
    const out = new Map<number, ProxyUser[]>();
    for (const c of rows) {
      const users = out.get(c.proxyId!) ?? [];
      users.push({ type: this.type, id: c.id, name: c.type });
      out.set(c.proxyId!, users);
    }
    return out;
  }

  async release(ownerId: number, proxyId: number): Promise<void> {
    await this.db.getRepository(NotificationChannelEntity).update({ ownerId, proxyId }, { proxyId: null });
  }
}
