import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import { Events, type ProxyPoolChangedEvent } from '../../common/events/event-map.js';
import { Page } from '../../common/pagination/page.js';
import type { PageQueryDto } from '../../common/pagination/page-query.dto.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { SecretBox } from '../../infra/crypto/secret-box.js';
import { nextSealedSecret } from '../../infra/crypto/secret-mask.js';
import { OutboundHttp } from '../../infra/http/outbound-http.port.js';
import { ProxyUsers } from '../../infra/http/proxy-users.js';
import type { CreateProxyDto } from './dto/create-proxy.dto.js';
import { DEFAULT_TEST_URL, HEALTH_CHECK_DEFAULTS } from './dto/proxy-fields.dto.js';
import type { ProxyTestResponseDto } from './dto/proxy-test.response.dto.js';
import { toProxyResponse, type ProxyResponseDto } from './dto/proxy.response.dto.js';
import type { UpdateProxyDto } from './dto/update-proxy.dto.js';
import { ProxyServer } from './entities/proxy.entity.js';
import { ProxyChecksService } from './proxy-checks.service.js';

/** Fields that shape the connection: changing one makes the proxy's health unknown again. */
const CONNECTION_FIELDS = ['type', 'host', 'port', 'username', 'passwordSealed'] as const;

function nameTaken(err: unknown, name: string): unknown {
  const driver =
    err instanceof QueryFailedError ? (err.driverError as { code?: string; constraint?: string }) : undefined;
  return driver?.code === '23505' && driver.constraint === 'idx_proxies_owner_name'
    ? new AppException('PROXY_NAME_TAKEN', { name })
    : err;
}

function credentialsProblem(username: string | null, passwordSealed: string | null): void {
  if (passwordSealed && !username) {
    throw new AppException('VALIDATION_ERROR', [
      { field: 'username', message: 'a password needs a username' },
    ]);
  }
}

@Injectable()
export class ProxiesService {
  constructor(
    @InjectRepository(ProxyServer) private readonly proxies: Repository<ProxyServer>,
    private readonly checks: ProxyChecksService,
    private readonly users: ProxyUsers,
    private readonly box: SecretBox,
    private readonly http: OutboundHttp,
    private readonly events: EventEmitter2,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Another user's proxy is 404, exactly like a missing one. */
  async findOwned(ownerId: number, id: number): Promise<ProxyServer> {
    const p = await this.proxies.findOneBy({ id, ownerId });
    if (!p) throw new AppException('PROXY_NOT_FOUND', { id });
    return p;
  }

  /** Your proxies, in the order the pool tries them (priority, then id). */
  async list(ownerId: number, q: PageQueryDto): Promise<Page<ProxyResponseDto>> {
    const [items, total] = await this.proxies.findAndCount({
      where: { ownerId },
      order: { priority: 'ASC', id: 'ASC' },
      skip: (q.page - 1) * q.page_size,
      take: q.page_size,
    });
    return new Page('proxies', await this.responses(ownerId, items), q.page, q.page_size, total);
  }

  async get(ownerId: number, id: number): Promise<ProxyResponseDto> {
    return (await this.responses(ownerId, [await this.findOwned(ownerId, id)]))[0]!;
  }

  async create(ownerId: number, dto: CreateProxyDto): Promise<ProxyResponseDto> {
    const hc = { ...HEALTH_CHECK_DEFAULTS, ...dto.health_check };
    const username = dto.username || null;
    const passwordSealed = dto.password ? this.box.seal(dto.password) : null;
    credentialsProblem(username, passwordSealed);
    const enabled = dto.enabled ?? true;
    const saved = await this.proxies
      .save(
        this.proxies.create({
          ownerId,
          name: dto.name,
          type: dto.type,
          host: dto.host,
          port: dto.port,
          username,
          passwordSealed,
          enabled,
          priority: dto.priority ?? 1,
          testUrl: dto.test_url ?? DEFAULT_TEST_URL,
          checkIntervalSeconds: hc.interval_seconds,
          checkTimeoutSeconds: hc.timeout_seconds,
          retryCount: hc.retry_count,
          status: 'unknown',
          // A new proxy is checked on the scheduler's next tick.
          nextCheckAt: enabled ? new Date(this.clock.now()) : null,
        }),
      )
      .catch((err: unknown) => Promise.reject(nameTaken(err, dto.name)));
    this.poolChanged(saved, 'added');
    return this.get(ownerId, saved.id);
  }

  async update(ownerId: number, id: number, dto: UpdateProxyDto): Promise<ProxyResponseDto> {
    const p = await this.findOwned(ownerId, id);
    const before = { ...p };
    const hc = dto.health_check ?? {};
    Object.assign(p, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.type !== undefined ? { type: dto.type } : {}),
      ...(dto.host !== undefined ? { host: dto.host } : {}),
      ...(dto.port !== undefined ? { port: dto.port } : {}),
      ...(dto.username !== undefined ? { username: dto.username || null } : {}),
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
      ...(dto.priority !== undefined ? { priority: dto.priority } : {}),
      ...(dto.test_url !== undefined ? { testUrl: dto.test_url } : {}),
      ...(hc.interval_seconds !== undefined ? { checkIntervalSeconds: hc.interval_seconds } : {}),
      ...(hc.timeout_seconds !== undefined ? { checkTimeoutSeconds: hc.timeout_seconds } : {}),
      ...(hc.retry_count !== undefined ? { retryCount: hc.retry_count } : {}),
      passwordSealed: nextSealedSecret(dto.password, p.passwordSealed, (v) => this.box.seal(v)),
    });
    credentialsProblem(p.username, p.passwordSealed);
    const now = this.clock.now();
    const reconnect = CONNECTION_FIELDS.some((f) => p[f] !== before[f]) || p.testUrl !== before.testUrl;
    if (reconnect) {
      // Another proxy as far as health goes: judged afresh, on the next tick.
      Object.assign(p, {
        status: 'unknown',
        consecutiveFailures: 0,
        consecutiveSuccesses: 0,
        latencyMs: null,
        lastError: null,
        statusChangedAt: new Date(now),
      });
    }
    if (!p.enabled) p.nextCheckAt = null;
    else if (reconnect || !before.enabled || !p.lastCheckAt) p.nextCheckAt = new Date(now);
    else if (p.checkIntervalSeconds !== before.checkIntervalSeconds)
      p.nextCheckAt = new Date(Math.min(p.lastCheckAt.getTime() + p.checkIntervalSeconds * 1000, now + 1000));
    await this.proxies.save(p).catch((err: unknown) => Promise.reject(nameTaken(err, p.name)));
    if (reconnect) await this.http.forget(p.id);
    if (reconnect || p.enabled !== before.enabled || p.priority !== before.priority) {
      this.poolChanged(p, 'edited');
    }
    return this.get(ownerId, id);
  }

  /** 409 PROXY_IN_USE while named by a strategy or channel, unless forced (they move to the pool). */
  async remove(ownerId: number, id: number, force: boolean): Promise<null> {
    const p = await this.findOwned(ownerId, id);
    const users = (await this.users.usersOf(ownerId, [id])).get(id) ?? [];
    if (users.length && !force) {
      throw new AppException('PROXY_IN_USE', {
        id,
        in_use_by: users.map((u) => ({ type: u.type, id: u.id, name: u.name })),
      });
    }
    if (users.length) await this.users.release(ownerId, id);
    await this.proxies.delete({ id: p.id });
    await this.http.forget(p.id);
    this.poolChanged(p, 'deleted');
    return null;
  }

  /** A real request to test_url through the proxy, recorded and counted like a scheduled check. */
  async test(ownerId: number, id: number): Promise<ProxyTestResponseDto> {
    const p = await this.findOwned(ownerId, id);
    const r = await this.checks.check(p, 'manual');
    const rate = (await this.checks.successRates([id])).get(id) ?? null;
    return {
      connectivity: r.success,
      latency_ms: r.latencyMs,
      success_rate: rate,
      test_time: r.checkedAt.toISOString(),
      error_message: r.errorMessage,
      failure_stage: r.failureStage,
      http_status: r.httpStatus,
      status: r.status ?? p.status,
    };
  }

  private async responses(ownerId: number, items: ProxyServer[]): Promise<ProxyResponseDto[]> {
    const ids = items.map((p) => p.id);
    const [rates, users] = await Promise.all([
      this.checks.successRates(ids),
      this.users.usersOf(ownerId, ids),
    ]);
    return items.map((p) => toProxyResponse(p, rates.get(p.id) ?? null, users.get(p.id) ?? []));
  }

  private poolChanged(p: ProxyServer, what: string): void {
    this.events.emit(Events.ProxyPoolChanged, {
      ownerId: p.ownerId,
      proxyId: p.id,
      reason: `proxy #${p.id} "${p.name}" ${what}`,
    } satisfies ProxyPoolChangedEvent);
  }
}
