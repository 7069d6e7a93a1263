import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { redact } from '../../common/logging/redact.js';
import type { LogSink } from '../../common/logging/nest-logger.js';
import { Page } from '../../common/pagination/page.js';
import { offsetOf } from '../../common/pagination/page-query.dto.js';
import type { ClientInfo } from '../../common/auth/auth-user.js';
import { SystemLog, type LogLevelName } from './entities/system-log.entity.js';
import type { SystemLogQueryDto } from './dto/system-log-query.dto.js';
import { toSystemLogResponse, type SystemLogResponseDto } from './dto/system-log.response.dto.js';

export interface AuditEntry {
  event: string;
  message: string;
  level?: LogLevelName;
  module?: string;
  userId?: number | null;
  sessionId?: string | null;
  client?: ClientInfo;
  metadata?: Record<string, unknown>;
}

type Row = Partial<SystemLog>;

const FLUSH_MS = 1000;
const MAX_BUFFER = 1000;

/**
 * The system_logs table: the audit trail (written at once, awaited) and warning-and-above
 * application log lines (buffered and written in one multi-row insert a second, so a burst of
 * warnings costs one round trip; if the database is down they stay in the process log only).
 */
@Injectable()
export class SystemLogsService implements LogSink, OnApplicationShutdown {
  private readonly logger = new Logger(SystemLogsService.name);
  private buffer: Row[] = [];
  private timer?: NodeJS.Timeout;
  private dropped = 0;

  constructor(@InjectRepository(SystemLog) private readonly logs: Repository<SystemLog>) {}

  async audit(entry: AuditEntry): Promise<void> {
    await this.logs.insert({
      level: entry.level ?? 'INFO',
      event: entry.event,
      message: entry.message,
      module: entry.module ?? entry.event.split('.')[0] ?? null,
      userId: entry.userId ?? null,
      sessionId: entry.sessionId ?? null,
      requestId: entry.client?.requestId ?? null,
      ipAddress: entry.client?.ip ?? null,
      userAgent: entry.client?.userAgent ?? null,
      metadata: redact(entry.metadata ?? {}),
    } as QueryDeepPartialEntity<SystemLog>);
  }

  /** LogSink: called by the process logger for WARNING and above. Never throws, never awaits. */
  write(entry: {
    level: 'WARNING' | 'ERROR' | 'CRITICAL';
    message: string;
    module?: string;
    stack?: string;
  }): void {
    if (entry.module === SystemLogsService.name) return; // our own flush failures must not loop
    if (this.buffer.length >= MAX_BUFFER) {
      this.dropped++;
      return;
    }
    this.buffer.push({
      level: entry.level,
      message: entry.message.slice(0, 10_000),
      module: entry.module?.slice(0, 100) ?? null,
      stackTrace: entry.stack ?? null,
      metadata: {},
      createdAt: new Date(),
    });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    if (!rows.length) return;
    try {
      await this.logs.insert(rows as QueryDeepPartialEntity<SystemLog>[]);
    } catch (err) {
      this.logger.warn(`could not store ${rows.length} log line(s): ${(err as Error).message}`);
    }
    if (this.dropped) {
      this.logger.warn(`dropped ${this.dropped} log line(s): buffer full`);
      this.dropped = 0;
    }
  }

  async list(q: SystemLogQueryDto): Promise<Page<SystemLogResponseDto>> {
    const qb = this.logs.createQueryBuilder('l').orderBy('l.created_at', 'DESC').addOrderBy('l.id', 'DESC');
    if (q.level) qb.andWhere('l.level = :level', { level: q.level });
    if (q.module) qb.andWhere('l.module = :module', { module: q.module });
    if (q.event) qb.andWhere('l.event = :event', { event: q.event });
    if (q.request_id) qb.andWhere('l.request_id = :rid', { rid: q.request_id });
    if (q.user_id) qb.andWhere('l.user_id = :uid', { uid: q.user_id });
    if (q.start_time) qb.andWhere('l.created_at >= :start', { start: q.start_time });
    if (q.end_time) qb.andWhere('l.created_at < :end', { end: q.end_time });
    const [items, total] = await qb.skip(offsetOf(q)).take(q.page_size).getManyAndCount();
    return new Page('logs', items, q.page, q.page_size, total).map(toSystemLogResponse);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
  }
}
