import { ApiProperty } from '@nestjs/swagger';
import type { StrategyVersion } from '../entities/strategy-version.entity.js';
import type { JsonObject } from '../../../common/types/json.js';

export class StrategyVersionResponseDto {
  version!: string;
  /** Whether this is the strategy's current version. */
  is_current!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true })
  config!: JsonObject;
  @ApiProperty({ type: 'object', additionalProperties: true })
  parameters!: JsonObject;
  /** Whether this version carries uploaded source (else it runs config.strategy_file). */
  has_source!: boolean;
  source_hash!: string | null;
  changelog!: string | null;
  created_by!: number | null;
  created_at!: string;
}

export function toVersionResponse(v: StrategyVersion, current: string | null): StrategyVersionResponseDto {
  return {
    version: v.version,
    is_current: v.version === current,
    config: v.config,
    parameters: v.parameters,
    has_source: v.source !== null,
    source_hash: v.sourceHash,
    changelog: v.changelog,
    created_by: v.createdBy,
    created_at: v.createdAt.toISOString(),
  };
}

export class StrategyVersionListDto {
  /** Newest first. */
  versions!: StrategyVersionResponseDto[];
}

export class StrategySourceResponseDto {
  version!: string | null;
  @ApiProperty({ enum: ['uploaded', 'file'] })
  origin!: 'uploaded' | 'file';
  /** config.strategy_file when origin is file. */
  strategy_file!: string | null;
  source!: string;
  source_hash!: string;
}
