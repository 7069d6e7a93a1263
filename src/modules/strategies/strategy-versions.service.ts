import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { AppException } from '../../common/errors/app.exception.js';
import { StrategyVersion } from './entities/strategy-version.entity.js';
import { StrategiesService } from './strategies.service.js';
import { StrategyFilesService, sha256 } from './strategy-files.service.js';
import { StrategyLifecycleService } from './strategy-lifecycle.service.js';
import { StrategyLogsService } from './strategy-logs.service.js';
import { StrategyVersionWriter } from './strategy-version-writer.service.js';
import { toStrategyResponse, type StrategyResponseDto } from './dto/strategy.response.dto.js';
import {
  toVersionResponse,
  type StrategySourceResponseDto,
  type StrategyVersionListDto,
  type StrategyVersionResponseDto,
} from './dto/strategy-version.response.dto.js';
import type { StrategyFilesResponseDto } from './dto/strategy-file.response.dto.js';
import type { PutSourceDto } from './dto/put-source.dto.js';

/** Version history, restore, and the strategy's Python source. */
@Injectable()
export class StrategyVersionsService {
  constructor(
    @InjectRepository(StrategyVersion) private readonly versions: Repository<StrategyVersion>,
    private readonly strategies: StrategiesService,
    private readonly writer: StrategyVersionWriter,
    private readonly files: StrategyFilesService,
    private readonly lifecycle: StrategyLifecycleService,
    private readonly logs: StrategyLogsService,
  ) {}

  async list(ownerId: number, id: number): Promise<StrategyVersionListDto> {
    const s = await this.strategies.findOwned(ownerId, id);
    const rows = await this.versions.find({ where: { strategyId: s.id }, order: { id: 'DESC' } });
    return { versions: rows.map((v) => toVersionResponse(v, s.version)) };
  }

  async get(ownerId: number, id: number, version: string): Promise<StrategyVersionResponseDto> {
    const s = await this.strategies.findOwned(ownerId, id);
    return toVersionResponse(await this.find(s.id, version), s.version);
  }

  /** Makes an old version's config, parameters and source current again, as a new version. */
  async restore(user: AuthUser, id: number, version: string): Promise<StrategyResponseDto> {
    const s = await this.strategies.findOwned(user.id, id);
    const old = await this.find(s.id, version);
    const saved = await this.writer.commit(
      s,
      {
        config: old.config,
        parameters: old.parameters,
        ...(old.source !== null ? { source: old.source } : {}),
      },
      { changelog: `Restored ${version}`, userId: user.id },
    );
    await this.logs.append(s.id, [{ level: 'INFO', message: `Restored ${version} as ${saved.version}` }]);
    await this.lifecycle.restartIfRunning(saved);
    return toStrategyResponse(saved);
  }

  async getSource(ownerId: number, id: number): Promise<StrategySourceResponseDto> {
    const s = await this.strategies.findOwned(ownerId, id);
    const uploaded = await this.writer.currentSource(s);
    if (uploaded !== null) {
      return {
        version: s.version,
        origin: 'uploaded',
        strategy_file: null,
        source: uploaded,
        source_hash: sha256(uploaded),
      };
    }
    const file = s.config.strategy_file;
    if (typeof file !== 'string') throw new AppException('SOURCE_NOT_FOUND', { id });
    const source = await this.files.read(file);
    return { version: s.version, origin: 'file', strategy_file: file, source, source_hash: sha256(source) };
  }

  /** Stores the source with a new version; the class named in the config must be defined in it. */
  async putSource(user: AuthUser, id: number, dto: PutSourceDto): Promise<StrategyResponseDto> {
    const s = await this.strategies.findOwned(user.id, id);
    if (s.status === 'draft')
      throw new AppException('STRATEGY_IS_DRAFT', {
        id,
        hint: 'save the source in the draft, then publish it',
      });
    const saved = await this.writer.commit(
      s,
      { source: dto.source },
      { version: dto.version, changelog: dto.changelog ?? 'Source uploaded', userId: user.id },
    );
    await this.logs.append(s.id, [{ level: 'INFO', message: `Source uploaded as ${saved.version}` }]);
    await this.lifecycle.restartIfRunning(saved);
    return toStrategyResponse(saved);
  }

  async listFiles(): Promise<StrategyFilesResponseDto> {
    return { root: this.files.root, files: await this.files.list() };
  }

  private async find(strategyId: number, version: string): Promise<StrategyVersion> {
    const v = await this.versions.findOneBy({ strategyId, version });
    if (!v) throw new AppException('VERSION_NOT_FOUND', { version });
    return v;
  }
}
