import { StrategyConfigDto } from './strategy-config.dto.js';
import {
  CategoryField,
  ChangelogField,
  ConfigField,
  DescriptionField,
  OptionalName,
  ParametersField,
  SourceField,
  TagsField,
} from './strategy-fields.js';
import type { JsonObject } from '../../../common/types/json.js';

/** Pending edits; config keys given here are laid over the live config when the draft is published. */
export class SaveDraftDto {
  @OptionalName()
  name?: string;

  @DescriptionField()
  description?: string;

  @ConfigField()
  config?: StrategyConfigDto;

  @ParametersField()
  parameters?: JsonObject;

  @TagsField()
  tags?: string[];

  @CategoryField()
  category?: string;

  @SourceField()
  source?: string;

  @ChangelogField()
  changelog?: string;
}
