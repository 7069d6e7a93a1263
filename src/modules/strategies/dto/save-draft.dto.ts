import { IntersectionType, OmitType } from '@nestjs/swagger';
import { SourceField } from './strategy-fields.js';
import { UpdateStrategyDto } from './update-strategy.dto.js';

class DraftSourceDto {
  /** Python source to publish with the draft (≤ 512 KB). */
  @SourceField()
  source?: string;
}

/**
 * Pending edits: the fields a PUT takes (without revision or version) plus source. Config keys
 * given here are laid over the live config when the draft is published.
 */
export class SaveDraftDto extends IntersectionType(
  OmitType(UpdateStrategyDto, ['revision', 'version'] as const),
  DraftSourceDto,
) {}
