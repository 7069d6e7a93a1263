import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../../../common/errors/app.exception.js';
import type { AppConfig } from '../../../config/app-config.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import { CLOCK, type Clock } from '../../../infra/clock/clock.port.js';
import { TaskRunner, type TaskContext } from '../../tasks/task-runner.service.js';
import type { TaskResponseDto } from '../../tasks/dto/task.response.dto.js';
import { FreqtradeInstallation } from '../entities/freqtrade-installation.entity.js';
import { InstallError, installFreqtradeVenv, probeFreqtrade } from './venv-installer.js';

/** The freqtrade a bot is started with. */
export interface ActiveFreqtrade {
  bin: string;
  version: string;
  source: 'FREQTRADE_BIN' | 'managed';
}

export const INSTALL_HINT =
  'FreqTrade is not installed on this server: install it with `npm run freqtrade:install` (or `npm run demo`), or point FREQTRADE_BIN at an existing freqtrade';

/**
 * Managed freqtrade installations (one venv per version, one active) and FREQTRADE_BIN. Installs
 * run as tasks, so their progress is visible in /tasks and on the sockets, and they can be cancelled.
 */
@Injectable()
export class FreqtradeInstallationsService {
  private readonly logger = new Logger(FreqtradeInstallationsService.name);
  private external?: Promise<ActiveFreqtrade | null>;
  /**
   * True while an upgrade or rollback restarts this instance's bots: the scheduler then leaves
   * their short lease gaps alone instead of resuming them on its own.
   */
  switching = false;

  constructor(
    @InjectRepository(FreqtradeInstallation) private readonly rows: Repository<FreqtradeInstallation>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  venvDir(version: string): string {
    return path.join(this.config.paths.dataDir, 'freqtrade', 'versions', version, 'venv');
  }

  /** FREQTRADE_BIN when set (its version probed once), else the active managed install; null: none. */
  async active(): Promise<ActiveFreqtrade | null> {
    const bin = this.config.freqtrade.bin;
    if (bin) {
      this.external ??= probeFreqtrade(bin, this.config.freqtrade.childEnv).then(
        (v) => ({ bin, version: v.freqtrade, source: 'FREQTRADE_BIN' as const }),
        (err: Error) => {
          this.logger.error(`FREQTRADE_BIN=${bin} is not usable: ${err.message}`);
          this.external = undefined;
          return null;
        },
      );
      return this.external;
    }
    const row = await this.rows.findOneBy({ isActive: true, status: 'installed' });
    if (!row || !existsSync(row.binPath)) return null;
    return { bin: row.binPath, version: row.version, source: 'managed' };
  }

  async requireActive(): Promise<ActiveFreqtrade> {
    const active = await this.active();
    if (!active) throw new AppException('FREQTRADE_NOT_INSTALLED', { hint: INSTALL_HINT });
    return active;
  }

  list(): Promise<FreqtradeInstallation[]> {
    return this.rows.find({ order: { version: 'DESC' } });
  }

  /** Starts an install task and answers with it at once. */
  async install(version: string, userId: number | null = null): Promise<TaskResponseDto> {
    const existing = await this.rows.findOneBy({ version });
    if (existing?.status === 'installing') {
      // Its task may have died with an instance (the runner marks such tasks FAILURE): then it is over.
      const task = existing.taskId ? await this.tasks.get(existing.taskId) : null;
      if (task && (task.status === 'PENDING' || task.status === 'STARTED' || task.status === 'RETRY'))
        throw new AppException('FREQTRADE_INSTALL_IN_PROGRESS', { version, task_id: existing.taskId });
    }
    const task = await this.tasks.submit(
      {
        taskName: 'freqtrade.install',
        args: { version },
        userId,
        relatedType: 'freqtrade_version',
        relatedId: version,
      },
      (ctx) => this.runInstall(version, ctx),
    );
    return task;
  }

  /**
   * Inside another task (a compatibility check, an upgrade): installs `version` unless a finished
   * install of it is there already. Never activates it unless nothing is active.
   */
  async ensureInstalled(version: string, ctx: TaskContext): Promise<FreqtradeInstallation> {
    const row = await this.rows.findOneBy({ version });
    if (row?.status === 'installed' && existsSync(row.binPath)) {
      ctx.progress(null, `freqtrade ${version} is installed in ${row.venvPath}`);
      return row;
    }
    await this.runInstall(version, ctx);
    return this.rows.findOneByOrFail({ version });
  }

  findInstalled(version: string): Promise<FreqtradeInstallation | null> {
    return this.rows.findOneBy({ version, status: 'installed' });
  }

  activeRow(): Promise<FreqtradeInstallation | null> {
    return this.rows.findOneBy({ isActive: true });
  }

  /** Makes `version` the one active installation (one transaction: the unique index never sees two). */
  async activate(version: string): Promise<void> {
    await this.rows.manager.transaction(async (tx) => {
      await tx.update(FreqtradeInstallation, { isActive: true }, { isActive: false });
      await tx.update(
        FreqtradeInstallation,
        { version, status: 'installed' },
        { isActive: true, activatedAt: new Date(this.clock.now()) },
      );
    });
  }

  /** Deletes the row and the venv directory (a link to a venv elsewhere is unlinked, not followed). */
  async removeInstallation(row: FreqtradeInstallation): Promise<void> {
    const versionDir = path.dirname(this.venvDir(row.version));
    await this.rows.delete({ id: row.id });
    rmSync(versionDir, { recursive: true, force: true });
  }

  private async runInstall(
    version: string,
    ctx: TaskContext,
  ): Promise<{ version: string; venv: string; active: boolean }> {
    const venvDir = this.venvDir(version);
    const row =
      (await this.rows.findOneBy({ version })) ??
      this.rows.create({ version, venvPath: venvDir, binPath: path.join(venvDir, 'bin', 'freqtrade') });
    Object.assign(row, { status: 'installing', error: null, taskId: ctx.taskId, venvPath: venvDir });
    await this.rows.save(row);
    try {
      const done = await installFreqtradeVenv({
        version,
        venvDir,
        python: this.config.freqtrade.python,
        env: this.config.freqtrade.childEnv,
        signal: ctx.signal,
        onProgress: (pct, msg) => ctx.progress(pct, msg),
      });
      const hasActive = await this.rows.existsBy({ isActive: true });
      Object.assign(row, {
        status: 'installed',
        binPath: done.bin,
        pythonVersion: done.pythonVersion,
        ccxtVersion: done.ccxtVersion,
        installedAt: new Date(this.clock.now()),
        isActive: row.isActive || !hasActive,
        activatedAt: row.isActive || !hasActive ? new Date(this.clock.now()) : row.activatedAt,
      });
      await this.rows.save(row);
      return { version, venv: venvDir, active: row.isActive };
    } catch (err) {
      const message = err instanceof InstallError ? err.message : `install failed: ${(err as Error).message}`;
      await this.rows.update(
        { id: row.id },
        { status: 'failed', error: message.slice(0, 4000), isActive: false },
      );
      throw err;
    }
  }
}
