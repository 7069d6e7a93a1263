import { IsString, Matches } from 'class-validator';
import { VERSION_PATTERN } from '../strategy-versioning.js';

export class VersionParamDto {
  /** e.g. v1.2 */
  @IsString()
  @Matches(VERSION_PATTERN, { message: 'version must look like v1.2' })
  version!: string;

  /** Validated by IdPipe on its own. */
  @IsString()
  id!: string;
}
