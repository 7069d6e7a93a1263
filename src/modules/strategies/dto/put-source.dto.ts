import { IsString, MaxLength, MinLength } from 'class-validator';
import { ChangelogField, MAX_SOURCE_CHARS, VersionField } from './strategy-fields.js';

export class PutSourceDto {
  /** Python source (≤ 512 KB) defining the strategy's class; stored with a new version. */
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_SOURCE_CHARS)
  source!: string;

  @VersionField()
  version?: string;

  @ChangelogField()
  changelog?: string;
}
