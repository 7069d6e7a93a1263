import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import { ChannelRegistry } from '../../infra/channels/channel-registry.js';
import { VENDOR_LIMITS } from '../../infra/channels/channel.port.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { UsersService } from '../users/users.service.js';
import type { TestNotificationDto, TestNotificationResponseDto } from './dto/channel.dto.js';
import type {
  HistoryQueryDto,
  NotificationResponseDto,
  NotificationStatsResponseDto,
} from './dto/history.dto.js';
import { Notification } from './entities/notification.entity.js';
import { NotificationChannelsService } from './notification-channels.service.js';
import { destinationKeys } from './destination-keys.js';
import { RateLimiter } from './rate-limiter.js';
import { languageOf, testContent } from './templates.js';

/** A test waits this long for a rate-limit slot before answering 429. */
const TEST_MAX_WAIT_MS = 3_000;

@Injectable()
export class NotificationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly channels: NotificationChannelsService,
    private readonly registry: ChannelRegistry,
    private readonly limiter: RateLimiter,
    private readonly users: UsersService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Sends now (no cooldown, no quiet hours; rate limits hold) and records it in the history. */
  async test(ownerId: number, dto: TestNotificationDto): Promise<TestNotificationResponseDto> {
    const channel = await this.channels.byType(ownerId, dto.channel);
    const target = await this.channels.target(channel);
    const keys = destinationKeys(target);
    const id = randomUUID();
    let wait = await this.limiter.take(keys, VENDOR_LIMITS[target.type], id);
    const deadline = this.clock.now() + TEST_MAX_WAIT_MS;
    while (wait > 0) {
      if (this.clock.now() + wait > deadline) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppException('NOTIFICATION_RATE_LIMITED', { retry_after: seconds }, undefined, {
          'Retry-After': String(seconds),
        });
      }
      await sleep(wait);
      wait = await this.limiter.take(keys, VENDOR_LIMITS[target.type], id);
    }
    const user = await this.users.findById(ownerId);
    const now = new Date(this.clock.now());
    const content = testContent(dto.message, languageOf(user?.language), now.toISOString());
    const o = await this.registry.send(target, content, { id, nowMs: now.getTime() });
    await this.limiter.settle(keys, id);
    await this.db.getRepository(Notification).insert({
      id,
      createdAt: now,
      ownerId,
      channel: channel.type,
      channelId: channel.id,
      kind: 'test',
      priority: 'P0',
      status: o.ok ? 'success' : 'failed',
      reason: o.ok ? null : 'rejected',
      attempts: 1,
      lastError: o.ok ? null : (o.error ?? 'failed'),
      vendorMessageId: o.vendorId ?? null,
      latencyMs: o.latencyMs,
      content,
      sentAt: o.ok ? new Date(this.clock.now()) : null,
      updatedAt: new Date(this.clock.now()),
    });
    return {
      id,
      channel: channel.type,
      success: o.ok,
      latency_ms: o.latencyMs,
      vendor_message_id: o.vendorId ?? null,
      http_status: o.httpStatus ?? null,
      error: o.ok ? null : (o.error ?? 'failed'),
    };
  }

  async history(ownerId: number, q: HistoryQueryDto): Promise<Page<NotificationResponseDto>> {
    const qb = this.db
      .getRepository(Notification)
      .createQueryBuilder('n')
      .where('n.owner_id = :ownerId', { ownerId });
    if (q.channel) qb.andWhere('n.channel = :channel', { channel: q.channel });
    if (q.status) qb.andWhere('n.status = :status', { status: q.status });
    if (q.start_time) qb.andWhere('n.created_at >= :start', { start: q.start_time });
    if (q.end_time) qb.andWhere('n.created_at < :end', { end: q.end_time });
    if (q.signal_id) qb.andWhere('n.signal_id = :signalId', { signalId: q.signal_id });
    const [rows, total] = await qb
      .orderBy('n.created_at', 'DESC')
      .addOrderBy('n.id', 'DESC')
      .skip(offsetOf(q))
      .take(q.page_size)
      .getManyAndCount();
    return new Page('notifications', rows.map(toResponse), q.page, q.page_size, total);
  }

  async stats(ownerId: number): Promise<NotificationStatsResponseDto> {
    const since = new Date(this.clock.now() - 24 * 3_600_000);
    const rows = (await this.db.query(
      `SELECT channel, status, count(*)::int AS n FROM notifications
       WHERE owner_id = $1 AND created_at >= $2 AND kind <> 'digest' OR (owner_id = $1 AND created_at >= $2 AND kind = 'digest' AND status <> 'pending')
       GROUP BY channel, status ORDER BY channel`,
      [ownerId, since],
    )) as { channel: string; status: string; n: number }[];
    const by = new Map<
      string,
      { channel: string; sent: number; failed: number; suppressed: number; dead: number; pending: number }
    >();
    for (const r of rows) {
      const s = by.get(r.channel) ?? {
        channel: r.channel,
        sent: 0,
        failed: 0,
        suppressed: 0,
        dead: 0,
        pending: 0,
      };
      if (r.status === 'success') s.sent += r.n;
      else if (r.status === 'failed') s.failed += r.n;
      else if (r.status === 'suppressed') s.suppressed += r.n;
      else if (r.status === 'dead') s.dead += r.n;
      else s.pending += r.n;
      by.set(r.channel, s);
    }
    return { window_hours: 24, channels: [...by.values()] };
  }
}

function toResponse(n: Notification): NotificationResponseDto {
  return {
    id: n.id,
    channel: n.channel,
    kind: n.kind,
    status: n.status,
    reason: n.reason,
    signal_id: n.signalId,
    strategy_id: n.strategyId,
    pair: n.pair,
    priority: n.priority,
    digest_id: n.digestId,
    attempts: n.attempts,
    next_attempt_at: n.nextAttemptAt ? n.nextAttemptAt.toISOString() : null,
    last_error: n.lastError,
    vendor_message_id: n.vendorMessageId,
    latency_ms: n.latencyMs,
    message: n.content as unknown as Record<string, unknown>,
    created_at: n.createdAt.toISOString(),
    sent_at: n.sentAt ? n.sentAt.toISOString() : null,
  };
}
