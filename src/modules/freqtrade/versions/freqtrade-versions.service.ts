import { existsSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../../../common/errors/app.exception.js';
import { Events, type SystemAlertEvent } from '../../../common/events/event-map.js';
import type { AppConfig } from '../../../config/app-config.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import { CACHE, LOCK, runExclusive, type Cache, type Lock } from '../../../infra/cache/cache.port.js';
import { LockName } from '../../../infra/cache/lock-names.js';
import { CLOCK, type Clock } from '../../../infra/clock/clock.port.js';
import { OutboundHttp, OutboundHttpError } from '../../../infra/http/outbound-http.port.js';
import { ProxySelector } from '../../../infra/http/proxy-selector.js';
import { runCommand } from '../../../infra/process/run-command.js';
import { FreqtradeCompatibilityCheck } from '../entities/freqtrade-compatibility-check.entity.js';
import { FreqtradeInstallation } from '../entities/freqtrade-installation.entity.js';
import { FreqtradeUpdateCheck } from '../entities/freqtrade-update-check.entity.js';
import { FreqtradeRuntime } from '../freqtrade-runtime.service.js';
import { FreqtradeInstallationsService } from '../install/freqtrade-installations.service.js';
import { probeFreqtrade } from '../install/venv-installer.js';
import type {
  FreqtradeVersionResponseDto,
  FreqtradeVersionsResponseDto,
  InstalledVersionDto,
  UpdateCheckResponseDto,
} from './dto/versions.dto.js';
import { compareVersions, newestStable, parseReleaseIndex, type FreqtradeRelease } from './release-index.js';

const INDEX_TTL_MS = 60 * 60_000;
const DEPS_TTL_MS = 10 * 60_000;
const SIZE_TTL_MS = 60 * 60_000;

interface IndexRead {
  releases: FreqtradeRelease[];
  reachable: boolean;
  error: string | null;
  fetchedAt: string | null;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * What is installed, what the package index offers, whether an update is out, and removing old
 * venvs. The index is read through the OutboundHttp port and the proxy pool (FREQTRADE_INDEX_URL,
 * PyPI's JSON API by default) and cached for an hour; when it cannot be read, answers still list what is installed.
 */
@Injectable()
export class FreqtradeVersionsService {
  private readonly logger = new Logger(FreqtradeVersionsService.name);

  constructor(
    private readonly installations: FreqtradeInstallationsService,
    private readonly runtime: FreqtradeRuntime,
    @InjectRepository(FreqtradeInstallation) private readonly rows: Repository<FreqtradeInstallation>,
    @InjectRepository(FreqtradeUpdateCheck) private readonly checks: Repository<FreqtradeUpdateCheck>,
    @InjectRepository(FreqtradeCompatibilityCheck)
    private readonly compat: Repository<FreqtradeCompatibilityCheck>,
    private readonly http: OutboundHttp,
    private readonly proxies: ProxySelector,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(LOCK) private readonly lock: Lock,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The package index's releases, from the cache when read within the hour. Never throws. */
  async releases(): Promise<IndexRead> {
    const key = `freqtrade:index:${this.config.freqtrade.indexUrl}`;
    const cached = await this.cache.get<{ releases: FreqtradeRelease[]; fetchedAt: string }>(key);
    if (cached) return { ...cached, reachable: true, error: null };
    try {
      // The pool decides (direct until a proxy pool is configured); a system request has no owner.
      const proxy = await this.proxies.select({ ownerId: null });
      const res = await this.http.request({
        url: this.config.freqtrade.indexUrl,
        proxy,
        headers: { accept: 'application/json' },
        timeoutMs: 15_000,
        maxBodyBytes: 20 * 1024 * 1024,
      });
      if (res.status !== 200) throw new Error(`the index answered HTTP ${res.status}`);
      const releases = parseReleaseIndex(res.body);
      const fetchedAt = new Date(this.clock.now()).toISOString();
      await this.cache.set(key, { releases, fetchedAt }, INDEX_TTL_MS);
      return { releases, fetchedAt, reachable: true, error: null };
    } catch (err) {
      const reason =
        err instanceof OutboundHttpError
          ? `${err.stage}: ${err.message}`
          : err instanceof SyntaxError
            ? `not a JSON API answer: ${err.message}`
            : (err as Error).message;
      this.logger.warn(`package index ${this.config.freqtrade.indexUrl} not readable: ${reason}`);
      return { releases: [], reachable: false, error: reason, fetchedAt: null };
    }
  }

  async versions(includePrereleases: boolean): Promise<FreqtradeVersionsResponseDto> {
    const [rows, index] = await Promise.all([this.installations.list(), this.releases()]);
    const installed = await Promise.all(rows.map((r) => this.describeInstalled(r)));
    const have = new Set(rows.filter((r) => r.status === 'installed').map((r) => r.version));
    return {
      installed: installed.sort((a, b) => compareVersions(b.version, a.version)),
      available: index.releases
        .filter((r) => includePrereleases || !r.prerelease)
        .map((r) => ({ ...r, installed: have.has(r.version) })),
      latest_stable: newestStable(index.releases)?.version ?? null,
      index_reachable: index.reachable,
      index_error: index.error,
      index_fetched_at: index.fetchedAt,
    };
  }

  async current(): Promise<FreqtradeVersionResponseDto> {
    const active = await this.installations.active();
    const row = active?.source === 'managed' ? await this.installations.activeRow() : null;
    const installing = await this.rows.existsBy({ status: 'installing' });
    const last = await this.lastCheck();
    const botsRunning = [...this.runtime.bots.values()].filter(
      (b) => b.supervisor.state !== 'stopped',
    ).length;
    const base = {
      bots_running: botsRunning,
      last_check: iso(last?.checkedAt),
      latest_version: last?.latestVersion ?? null,
      update_available: Boolean(
        active && last?.latestVersion && compareVersions(last.latestVersion, active.version) > 0,
      ),
    };
    if (!active) {
      return {
        ...base,
        current_version: null,
        source: null,
        installed_path: null,
        install_date: null,
        status: installing ? 'installing' : 'not_installed',
        dependency_status: 'unknown',
        dependency_problem: null,
        strategy_compatibility: null,
      };
    }
    const deps = await this.dependencies(active.bin, active.version);
    const status = deps.broken ? 'broken' : botsRunning > 0 ? 'running' : installing ? 'installing' : 'idle';
    const check = await this.compat.findOne({
      where: { targetVersion: active.version, status: 'completed' },
      order: { createdAt: 'DESC' },
    });
    return {
      ...base,
      current_version: active.version,
      source: active.source,
      installed_path: row?.venvPath ?? path.dirname(path.dirname(active.bin)),
      install_date: iso(row?.installedAt),
      status,
      dependency_status: deps.problem ? 'degraded' : 'healthy',
      dependency_problem: deps.problem,
      strategy_compatibility: check
        ? {
            total_strategies: check.totalStrategies,
            compatible_strategies: check.compatibleStrategies,
            changed_strategies: check.changedStrategies,
            incompatible_strategies: check.incompatibleStrategies,
            check_id: check.id,
            checked_at: (check.finishedAt ?? check.createdAt).toISOString(),
          }
        : null,
    };
  }

  /**
   * Compares the active version with the newest stable release and stores the result; the first
   * check that sees a new release raises one `info` system_alert for it.
   */
  async checkUpdates(): Promise<UpdateCheckResponseDto> {
    const active = await this.installations.active();
    const index = await this.releases();
    const latest = newestStable(index.releases)?.version ?? null;
    const available = Boolean(active && latest && compareVersions(latest, active.version) > 0);
    const alreadyAlerted =
      available && (await this.checks.existsBy({ latestVersion: latest!, alerted: true }));
    const row = await this.checks.save(
      this.checks.create({
        checkedAt: new Date(this.clock.now()),
        currentVersion: active?.version ?? null,
        latestVersion: latest,
        updateAvailable: available,
        indexReachable: index.reachable,
        error: index.error,
        alerted: available && !alreadyAlerted,
      }),
    );
    if (row.alerted) {
      this.events.emit(Events.SystemAlert, {
        level: 'info',
        message: `freqtrade ${latest} is out (running ${active!.version}): run a compatibility check before upgrading`,
        component: 'freqtrade',
        ownerId: null,
      } satisfies SystemAlertEvent);
    }
    return {
      current_version: row.currentVersion,
      latest_version: row.latestVersion,
      update_available: row.updateAvailable,
      index_reachable: row.indexReachable,
      error: row.error,
      checked_at: row.checkedAt.toISOString(),
    };
  }

  /** Daily, on one instance (FREQTRADE_UPDATE_CHECK_ENABLED=false turns it off). Never upgrades. */
  @Cron(CronExpression.EVERY_DAY_AT_6AM, { name: 'freqtrade-update-check' })
  async scheduledCheck(): Promise<UpdateCheckResponseDto | undefined> {
    if (!this.config.freqtrade.updateCheckEnabled) return undefined;
    return runExclusive(this.lock, LockName.FreqtradeUpdateCheck, 5 * 60_000, () =>
      this.checkUpdates(),
    ).catch((err: Error) => {
      this.logger.warn(`freqtrade update check failed: ${err.message}`);
      return undefined;
    });
  }

  /** Removes an installed version that is not active (409 VERSION_IN_USE for the active one). */
  async remove(version: string): Promise<void> {
    const row = await this.rows.findOneBy({ version });
    if (!row) throw new AppException('FREQTRADE_VERSION_NOT_FOUND', { version });
    if (row.isActive) throw new AppException('VERSION_IN_USE', { version });
    if (row.status === 'installing')
      throw new AppException('FREQTRADE_INSTALL_IN_PROGRESS', { version, task_id: row.taskId });
    await this.installations.removeInstallation(row);
    this.logger.log(`removed freqtrade ${version}`);
  }

  /** Keeps FREQTRADE_KEEP_VERSIONS installations: the active one and the most recently used others. */
  async prune(): Promise<string[]> {
    const rows = (await this.rows.findBy({ status: 'installed', isActive: false })).sort(
      (a, b) => usedAt(b) - usedAt(a),
    );
    const extra = rows.slice(Math.max(0, this.config.freqtrade.keepVersions - 1));
    for (const r of extra) await this.installations.removeInstallation(r);
    if (extra.length) this.logger.log(`pruned freqtrade ${extra.map((r) => r.version).join(', ')}`);
    return extra.map((r) => r.version);
  }

  private lastCheck(): Promise<FreqtradeUpdateCheck | null> {
    return this.checks.findOne({ where: {}, order: { checkedAt: 'DESC', id: 'DESC' } });
  }

  private async describeInstalled(r: FreqtradeInstallation): Promise<InstalledVersionDto> {
    return {
      version: r.version,
      path: r.venvPath,
      size_bytes: r.status === 'installed' ? await this.sizeOf(r) : null,
      installed_at: iso(r.installedAt),
      active: r.isActive,
      status: r.status,
      python_version: r.pythonVersion,
      ccxt_version: r.ccxtVersion,
      error: r.error,
    };
  }

  /** `du` of the venv (following a link to it), cached for an hour. */
  private async sizeOf(r: FreqtradeInstallation): Promise<number | null> {
    if (!existsSync(r.venvPath)) return null;
    const key = `freqtrade:venv-size:${r.venvPath}:${r.installedAt?.getTime() ?? 0}`;
    const cached = await this.cache.get<number>(key);
    if (cached !== undefined) return cached;
    const out = await runCommand('du', ['-skL', r.venvPath], {
      env: this.config.freqtrade.childEnv,
      timeoutMs: 60_000,
    }).catch(() => null);
    const kb = out?.code === 0 ? Number(out.stdout.split(/\s/)[0]) : NaN;
    if (!Number.isFinite(kb)) return null;
    await this.cache.set(key, kb * 1024, SIZE_TTL_MS);
    return kb * 1024;
  }

  /**
   * `freqtrade --version` answers (else broken) and `pip check` in its venv is clean (else degraded),
   * cached for ten minutes per executable.
   */
  private async dependencies(
    bin: string,
    version: string,
  ): Promise<{ broken: boolean; problem: string | null }> {
    const key = `freqtrade:deps:${bin}:${version}`;
    const cached = await this.cache.get<{ broken: boolean; problem: string | null }>(key);
    if (cached) return cached;
    const env = this.config.freqtrade.childEnv;
    let result: { broken: boolean; problem: string | null };
    try {
      await probeFreqtrade(bin, env);
      const pip = path.join(path.dirname(bin), 'pip');
      if (!existsSync(pip)) result = { broken: false, problem: null };
      else {
        const r = await runCommand(pip, ['check', '--disable-pip-version-check'], {
          env,
          timeoutMs: 60_000,
          keepLines: 20,
        });
        const lines = (r.stdout + '\n' + r.tail.join('\n'))
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !/^No broken requirements found/.test(l));
        result =
          r.code === 0
            ? { broken: false, problem: null }
            : { broken: false, problem: `pip check: ${lines.slice(0, 5).join('; ') || `exit ${r.code}`}` };
      }
    } catch (err) {
      result = { broken: true, problem: `freqtrade --version failed: ${(err as Error).message}` };
    }
    await this.cache.set(key, result, DEPS_TTL_MS);
    return result;
  }
}

const usedAt = (r: FreqtradeInstallation) => (r.activatedAt ?? r.installedAt ?? r.createdAt).getTime();
