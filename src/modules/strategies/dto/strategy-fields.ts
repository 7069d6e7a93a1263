import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional-not-null.decorator.js';
import { STRATEGY_TYPES } from '../entities/strategy.entity.js';
import { VERSION_PATTERN } from '../strategy-versioning.js';
import { StrategyConfigDto } from './strategy-config.dto.js';
import { NotificationOverridesDto } from './notification-overrides.dto.js';

/** 512 KB of Python source. */
export const MAX_SOURCE_CHARS = 512 * 1024;

// Field rules shared by create, update and draft bodies, so the three never drift apart.
export const NameField = () => applyDecorators(IsString(), Length(1, 100));
export const OptionalName = () => applyDecorators(OptionalNotNull(), NameField());
export const DescriptionField = () => applyDecorators(IsOptional(), IsString(), MaxLength(5000));
export const TypeField = () => applyDecorators(OptionalNotNull(), IsIn(STRATEGY_TYPES));
export const ConfigField = () =>
  applyDecorators(
    OptionalNotNull(),
    ValidateNested(),
    Type(() => StrategyConfigDto),
  );
export const ParametersField = () => applyDecorators(OptionalNotNull(), IsObject());
export const TagsField = () =>
  applyDecorators(
    OptionalNotNull(),
    ArrayMaxSize(20),
    IsString({ each: true }),
    Length(1, 50, { each: true }),
  );
export const NotificationOverridesField = () =>
  applyDecorators(
    OptionalNotNull(),
    ValidateNested(),
    Type(() => NotificationOverridesDto),
  );
export const CategoryField = () => applyDecorators(IsOptional(), IsString(), MaxLength(50));
export const VersionField = () =>
  applyDecorators(
    OptionalNotNull(),
    IsString(),
    Matches(VERSION_PATTERN, { message: 'version must look like v2.1' }),
  );
export const ChangelogField = () => applyDecorators(IsOptional(), IsString(), MaxLength(5000));
export const SourceField = () => applyDecorators(OptionalNotNull(), IsString(), MaxLength(MAX_SOURCE_CHARS));
