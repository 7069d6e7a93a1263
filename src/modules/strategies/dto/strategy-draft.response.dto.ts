import { ApiProperty } from '@nestjs/swagger';
import type { StrategyDraft } from '../entities/strategy-draft.entity.js';
import type { JsonObject } from '../../../common/types/json.js';

export class StrategyDraftResponseDto {
  id!: number;
  strategy_id!: number;
  strategy_name!: string;
  /** True for a strategy that was created as a draft and never published. */
  is_new_strategy!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true })
  changes!: JsonObject;
  created_at!: string;
  updated_at!: string;
  age_seconds!: number;
  /** When the daily cleanup will delete it (DRAFT_TTL_DAYS after the last save). */
  expires_at!: string;
}

export function toDraftResponse(
  d: StrategyDraft,
  strategyName: string,
  isNew: boolean,
  ttlDays: number,
  now = Date.now(),
): StrategyDraftResponseDto {
  const { source, ...rest } = d.payload;
  return {
    id: d.id,
    strategy_id: d.strategyId,
    strategy_name: strategyName,
    is_new_strategy: isNew,
    // Source can be 512 KB: the list says whether there is one, GET /strategies/{id}/source shows the live one.
    changes: source === undefined ? rest : { ...rest, source: `(${source.length} characters)` },
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
    age_seconds: Math.floor((now - d.updatedAt.getTime()) / 1000),
    expires_at: new Date(d.updatedAt.getTime() + ttlDays * 86_400_000).toISOString(),
  };
}

export class DraftCleanupResponseDto {
  deleted!: number;
}
