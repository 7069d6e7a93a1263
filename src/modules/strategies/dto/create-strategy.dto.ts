import { IsBoolean, IsOptional } from 'class-validator';
import type { StrategyType } from '../entities/strategy.entity.js';
import { StrategyConfigDto } from './strategy-config.dto.js';
import { NotificationOverridesDto } from './notification-overrides.dto.js';
import {
  CategoryField,
  NotificationOverridesField,
  ChangelogField,
  ConfigField,
  DescriptionField,
  NameField,
  ParametersField,
  SourceField,
  TagsField,
  TypeField,
  VersionField,
} from './strategy-fields.js';
import type { JsonObject } from '../../../common/types/json.js';

export class CreateStrategyDto {
  /** Unique among your strategies, 1–100 characters. */
  @NameField()
  name!: string;

  @DescriptionField()
  description?: string;

  /** Only signal_monitor strategies can run. Default signal_monitor. */
  @TypeField()
  type?: StrategyType;

  @ConfigField()
  config?: StrategyConfigDto;

  /** freqtrade strategy parameter overrides (the bot's parameter file). */
  @ParametersField()
  parameters?: JsonObject;

  @TagsField()
  tags?: string[];

  @CategoryField()
  category?: string;

  /** Notification routing for this strategy's signals, replacing your rules where given. */
  @NotificationOverridesField()
  notification_overrides?: NotificationOverridesDto;

  /** Python source instead of config.strategy_file (≤ 512 KB). */
  @SourceField()
  source?: string;

  /** Explicit first version (default v1.0). */
  @VersionField()
  version?: string;

  @ChangelogField()
  changelog?: string;

  /** Store as a draft: partial config allowed, nothing can run until it is published. */
  @IsOptional()
  @IsBoolean()
  is_draft?: boolean;
}
