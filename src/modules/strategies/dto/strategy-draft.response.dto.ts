import { ApiProperty } from '@nestjs/swagger';
import type { DraftPayload, StrategyDraft } from '../entities/strategy-draft.entity.js';
import type { Strategy } from '../entities/strategy.entity.js';
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
  strategy: Strategy,
  ttlDays: number,
  now = Date.now(),
): StrategyDraftResponseDto {
  const isNew = strategy.status === 'draft';
  const { source, ...rest } = isNew ? withRow(d.payload, strategy) : d.payload;
  return {
    id: d.id,
    strategy_id: d.strategyId,
    strategy_name: strategy.name,
    is_new_strategy: isNew,
    // Source can be 512 KB: the list says whether there is one, GET /strategies/{id}/source shows the live one.
    changes: source === undefined ? rest : { ...rest, source: `(${source.length} characters)` },
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
    age_seconds: Math.floor((now - d.updatedAt.getTime()) / 1000),
    expires_at: new Date(d.updatedAt.getTime() + ttlDays * 86_400_000).toISOString(),
  };
}

/** A never-published strategy is all draft: what its row holds so far, under the pending edits. */
function withRow(payload: DraftPayload, strategy: Strategy): DraftPayload {
  const config = { ...strategy.config, ...(payload.config ?? {}) };
  const parameters = payload.parameters ?? strategy.parameters;
  return {
    ...payload,
    ...(Object.keys(config).length ? { config } : {}),
    ...(Object.keys(parameters).length ? { parameters } : {}),
  };
}

export class DraftCleanupResponseDto {
  deleted!: number;
}
