import { Inject, Injectable, Logger } from '@nestjs/common';
import { Metrics } from '../../infra/metrics/metrics.js';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, LessThan } from 'typeorm';
import { Events, type ProxyPoolChangedEvent, type SystemAlertEvent } from '../../common/events/event-map.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { CLOCK, type Clock } from '../../infra/clock/clock.port.js';
import { SecretBox } from '../../infra/crypto/secret-box.js';
import { OutboundHttp, OutboundHttpError } from '../../infra/http/outbound-http.port.js';
import { redactedProxyUrl, type ProxyEndpoint } from '../../infra/http/proxy-endpoint.js';
import { ProxyCheck, type CheckKind } from './entities/proxy-check.entity.js';
import { ProxyServer, type ProxyStatus } from './entities/proxy.entity.js';
import { applyCheck, failureThreshold, nextCheckDelay, type HealthStep } from './proxy-health.js';

/** What one connectivity test found. */
export interface CheckOutcome {
  success: boolean;
  latencyMs: number | null;
  failureStage: string | null;
  httpStatus: number | null;
  errorMessage: string | null;
  checkedAt: Date;
}

export interface CheckResult extends CheckOutcome {
  /** The proxy's status after the check (null: it was deleted meanwhile). */
  status: ProxyStatus | null;
  transition: ProxyStatus | null;
}

/** Counters for metrics (read by the metrics module later). */
export interface ProxyCheckCounters {
  checks: number;
  failures: number;
  becameUnhealthy: number;
  becameHealthy: number;
}

const SUCCESS_WINDOW = 100;
const MAX_TEST_BODY = 64 * 1024;

/**
 * Runs connectivity tests through a proxy, records them in proxy_checks and moves the proxy's
 * health state machine (proxy-health.ts). Transitions raise a system_alert and a pool change.
 */
@Injectable()
export class ProxyChecksService {
  private readonly logger = new Logger(ProxyChecksService.name);
  readonly counters: ProxyCheckCounters = { checks: 0, failures: 0, becameUnhealthy: 0, becameHealthy: 0 };

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly http: OutboundHttp,
    private readonly box: SecretBox,
    private readonly events: EventEmitter2,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** The proxy as clients need it: the password opened from its ciphertext. */
  endpointOf(p: ProxyServer): ProxyEndpoint {
    return {
      id: p.id,
      type: p.type,
      host: p.host,
      port: p.port,
      username: p.username,
      password: p.passwordSealed ? this.box.open(p.passwordSealed) : null,
    };
  }

  /** A real request to the proxy's test_url through it, with its timeout; never throws. */
  async probe(p: ProxyServer): Promise<Omit<CheckOutcome, 'checkedAt'>> {
    let proxy: ProxyEndpoint;
    try {
      proxy = this.endpointOf(p);
    } catch {
      return {
        success: false,
        latencyMs: null,
        failureStage: 'unknown',
        httpStatus: null,
        errorMessage: 'the stored password does not open under APP_SECRET_KEY (was the key changed?)',
      };
    }
    try {
      const res = await this.http.request({
        url: p.testUrl,
        proxy,
        timeoutMs: p.checkTimeoutSeconds * 1000,
        maxBodyBytes: MAX_TEST_BODY,
      });
      if (res.status >= 200 && res.status < 300) {
        return {
          success: true,
          latencyMs: res.latencyMs,
          failureStage: null,
          httpStatus: res.status,
          errorMessage: null,
        };
      }
      return {
        success: false,
        latencyMs: res.latencyMs,
        failureStage: 'http_status',
        httpStatus: res.status,
        errorMessage: `the target answered HTTP ${res.status} (${originOf(p.testUrl)} via ${redactedProxyUrl(proxy)})`,
      };
    } catch (err) {
      const e = err instanceof OutboundHttpError ? err : null;
      return {
        success: false,
        latencyMs: null,
        failureStage: e?.stage ?? 'unknown',
        httpStatus: null,
        // OutboundHttpError messages are already scrubbed of credentials; anything else is not shown.
        errorMessage: e
          ? e.message
          : `request failed (${originOf(p.testUrl)} via ${redactedProxyUrl(proxy)})`,
      };
    }
  }

  /** Tests the proxy, stores the result and applies it to the health state. */
  async check(p: ProxyServer, kind: CheckKind): Promise<CheckResult> {
    const started = performance.now();
    const outcome = { ...(await this.probe(p)), checkedAt: new Date(this.clock.now()) };
    this.metrics.proxyChecked(
      outcome.success ? 'ok' : outcome.failureStage === 'timeout' ? 'timeout' : 'failed',
      (performance.now() - started) / 1000,
    );
    this.counters.checks++;
    if (!outcome.success) this.counters.failures++;
    const recorded = await this.record(p.id, kind, outcome);
    if (!recorded) return { ...outcome, status: null, transition: null };
    const { row, step, previous } = recorded;
    if (step.transition) this.announce(row, step, previous, outcome);
    return { ...outcome, status: row.status, transition: step.transition };
  }

  /** Percentage of each proxy's last 100 checks that succeeded (absent: never checked). */
  async successRates(ids: number[]): Promise<Map<number, number>> {
    if (!ids.length) return new Map();
    const rows: { proxy_id: number; rate: string }[] = await this.db.query(
      `SELECT proxy_id, round(100.0 * avg(success::int), 1) AS rate
         FROM (SELECT proxy_id, success,
                      row_number() OVER (PARTITION BY proxy_id ORDER BY checked_at DESC, id DESC) AS rn
                 FROM proxy_checks WHERE proxy_id = ANY($1)) t
        WHERE rn <= ${SUCCESS_WINDOW}
        GROUP BY proxy_id`,
      [ids],
    );
    return new Map(rows.map((r) => [Number(r.proxy_id), Number(r.rate)]));
  }

  /** Deletes checks older than the retention; returns how many went. */
  async prune(): Promise<number> {
    const cutoff = new Date(this.clock.now() - this.config.proxies.checkRetentionDays * 86_400_000);
    const res = await this.db.getRepository(ProxyCheck).delete({ checkedAt: LessThan(cutoff) });
    return res.affected ?? 0;
  }

  /** Ids of enabled proxies whose next check is due. */
  async due(limit: number): Promise<number[]> {
    const rows = await this.db
      .getRepository(ProxyServer)
      .createQueryBuilder('p')
      .select('p.id', 'id')
      .where('p.enabled = true AND p.next_check_at <= :now', { now: new Date(this.clock.now()) })
      .orderBy('p.next_check_at', 'ASC')
      .limit(limit)
      .getRawMany<{ id: number }>();
    return rows.map((r) => Number(r.id));
  }

  async load(ids: number[]): Promise<ProxyServer[]> {
    return ids.length ? this.db.getRepository(ProxyServer).findBy({ id: In(ids) }) : [];
  }

  private async record(
    proxyId: number,
    kind: CheckKind,
    o: CheckOutcome,
  ): Promise<{ row: ProxyServer; step: HealthStep; previous: ProxyStatus } | null> {
    return this.db.transaction(async (tx) => {
      const repo = tx.getRepository(ProxyServer);
      const row = await repo.findOne({ where: { id: proxyId }, lock: { mode: 'pessimistic_write' } });
      if (!row) return null;
      await tx.getRepository(ProxyCheck).insert({
        proxyId,
        checkedAt: o.checkedAt,
        kind,
        success: o.success,
        latencyMs: o.latencyMs,
        failureStage: o.failureStage,
        httpStatus: o.httpStatus,
        errorMessage: o.errorMessage,
      });
      const previous = row.status;
      const step = applyCheck(row, o.success, row.retryCount);
      const now = this.clock.now();
      const next = nextCheckDelay(step.next, {
        intervalMs: row.checkIntervalSeconds * 1000,
        retryDelayMs: this.config.proxies.retryDelayMs,
        unhealthyRecheckMs: this.config.proxies.unhealthyRecheckMs,
      });
      Object.assign(row, step.next, {
        lastCheckAt: o.checkedAt,
        ...(o.success ? { latencyMs: o.latencyMs, lastError: null } : { lastError: describeFailure(o) }),
        nextCheckAt: row.enabled ? new Date(now + next) : null,
        ...(step.transition ? { statusChangedAt: new Date(now) } : {}),
      });
      await repo.update(
        { id: proxyId },
        {
          status: row.status,
          consecutiveFailures: row.consecutiveFailures,
          consecutiveSuccesses: row.consecutiveSuccesses,
          lastCheckAt: row.lastCheckAt,
          latencyMs: row.latencyMs,
          lastError: row.lastError,
          nextCheckAt: row.nextCheckAt,
          statusChangedAt: row.statusChangedAt,
        },
      );
      return { row, step, previous };
    });
  }

  private announce(row: ProxyServer, step: HealthStep, previous: ProxyStatus, o: CheckOutcome): void {
    const label = `Proxy "${row.name}" (${redactedProxyUrl(row)})`;
    let alert: SystemAlertEvent | null = null;
    if (step.transition === 'unhealthy') {
      this.counters.becameUnhealthy++;
      const n = failureThreshold(row.retryCount);
      alert = {
        level: 'warning',
        message: `${label} is unhealthy after ${n} failed check${n > 1 ? 's' : ''} in a row: ${describeFailure(o)}`,
        component: 'proxy',
        ownerId: row.ownerId,
      };
    } else if (step.transition === 'healthy' && previous === 'unhealthy') {
      this.counters.becameHealthy++;
      alert = {
        level: 'info',
        message: `${label} is healthy again (${o.latencyMs} ms)`,
        component: 'proxy',
        ownerId: row.ownerId,
      };
    }
    if (alert) {
      this.logger.log(alert.message);
      this.events.emit(Events.SystemAlert, alert);
    }
    this.events.emit(Events.ProxyPoolChanged, {
      ownerId: row.ownerId,
      proxyId: row.id,
      reason: `proxy #${row.id} "${row.name}" became ${step.transition}`,
    } satisfies ProxyPoolChangedEvent);
  }
}

function describeFailure(o: Pick<CheckOutcome, 'failureStage' | 'errorMessage'>): string {
  return `[${o.failureStage ?? 'unknown'}] ${o.errorMessage ?? 'failed'}`.slice(0, 1000);
}

function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'invalid URL';
  }
}
