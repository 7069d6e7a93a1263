import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppException } from '../../common/errors/app.exception.js';
import { Strategy } from './entities/strategy.entity.js';
import { StrategyVersion } from './entities/strategy-version.entity.js';
import { StrategyConfigValidator } from './strategy-config.validator.js';
import { nextVersion } from './strategy-versioning.js';
import type { JsonObject } from '../../common/types/json.js';

export interface VersionChange {
  config?: JsonObject;
  parameters?: JsonObject;
  /** New uploaded source; undefined keeps the current version's (if any). */
  source?: string;
  /** Other column changes to apply in the same transaction (name, description, tags …). */
  fields?: Partial<Pick<Strategy, 'name' | 'description' | 'tags' | 'category' | 'status'>>;
}

export interface VersionOptions {
  version?: string;
  changelog: string;
  userId: number;
  /** The revision the caller read; a different current one is a 409. */
  expectedRevision?: number;
}

/**
 * The one way a strategy gets a new version: validate the full config against its source, write an
 * immutable version row and make it current, in one transaction (every query on that transaction's
 * manager — embedded PGlite is one session). Validation (file reads, exchange catalogue) happens
 * before the transaction opens.
 */
@Injectable()
export class StrategyVersionWriter {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly validator: StrategyConfigValidator,
  ) {}

  /** The uploaded source of the strategy's current version, or null when it runs a file. */
  async currentSource(strategy: Strategy, manager: EntityManager = this.db.manager): Promise<string | null> {
    if (!strategy.version) return null;
    const v = await manager.getRepository(StrategyVersion).findOne({
      where: { strategyId: strategy.id, version: strategy.version },
      select: { source: true },
    });
    return v?.source ?? null;
  }

  async find(strategyId: number, version: string): Promise<StrategyVersion | null> {
    return this.db.manager.getRepository(StrategyVersion).findOneBy({ strategyId, version });
  }

  async commit(strategy: Strategy, change: VersionChange, opts: VersionOptions): Promise<Strategy> {
    let config = change.config ?? strategy.config;
    let source: string | null;
    if (change.source !== undefined) {
      // Uploaded source replaces the file: the config stops naming one.
      const { strategy_file: _replaced, ...rest } = config;
      config = rest;
      source = change.source;
    } else if (
      typeof config.strategy_file === 'string' &&
      config.strategy_file !== strategy.config.strategy_file
    ) {
      // Naming a (different) file switches from uploaded source to that file.
      source = null;
    } else {
      source = await this.currentSource(strategy);
    }
    const validated = await this.validator.validate(config, source);
    return this.db.transaction(async (tx) => {
      const current = await tx
        .getRepository(Strategy)
        .findOne({ where: { id: strategy.id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw new AppException('STRATEGY_NOT_FOUND', { id: strategy.id });
      if (opts.expectedRevision !== undefined && opts.expectedRevision !== current.revision) {
        throw new AppException('STRATEGY_CONFLICT', {
          expected_revision: opts.expectedRevision,
          current_revision: current.revision,
        });
      }
      const versions = tx.getRepository(StrategyVersion);
      const taken = new Set(
        (await versions.find({ where: { strategyId: strategy.id }, select: { version: true } })).map(
          (v) => v.version,
        ),
      );
      if (opts.version && taken.has(opts.version))
        throw new AppException('VERSION_EXISTS', { version: opts.version });
      const version = opts.version ?? nextVersion(current.version, taken);
      const parameters = change.parameters ?? current.parameters;
      await versions.insert({
        strategyId: strategy.id,
        version,
        config: validated.config,
        parameters,
        source,
        sourceHash: validated.sourceHash,
        changelog: opts.changelog,
        createdBy: opts.userId,
      });
      Object.assign(current, change.fields ?? {}, { config: validated.config, parameters, version });
      if (current.status === 'draft') current.status = 'stopped';
      return tx.getRepository(Strategy).save(current);
    });
  }
}
