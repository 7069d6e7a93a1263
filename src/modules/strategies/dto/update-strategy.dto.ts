import { IsInt, Min } from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional-not-null.decorator.js';
import { StrategyConfigDto } from './strategy-config.dto.js';
import { NotificationOverridesDto } from './notification-overrides.dto.js';
import {
  CategoryField,
  NotificationOverridesField,
  ChangelogField,
  ConfigField,
  DescriptionField,
  OptionalName,
  ParametersField,
  TagsField,
  VersionField,
} from './strategy-fields.js';
import type { JsonObject } from '../../../common/types/json.js';

/** Fields given replace the current ones (config as a whole). A config or parameter change makes a new version. */
export class UpdateStrategyDto {
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

  /** Notification routing for this strategy's signals, replacing your rules where given. */
  @NotificationOverridesField()
  notification_overrides?: NotificationOverridesDto;

  /** Version to create for a config change (default: the next minor version). */
  @VersionField()
  version?: string;

  @ChangelogField()
  changelog?: string;

  /** The `revision` you read; when it is no longer current the update is refused with 409 STRATEGY_CONFLICT. */
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  revision?: number;
}
