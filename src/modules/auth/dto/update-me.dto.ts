import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { IsTimeZone } from '../../../common/validation/is-time-zone.decorator.js';

export class UpdateMeDto {
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(100)
  full_name?: string | null;

  @IsOptional()
  @IsEmail()
  @MaxLength(100)
  email?: string;

  /** BCP 47 tag such as `zh-CN` or `en-US`. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/, {
    message: 'language must be a BCP 47 tag like zh-CN',
  })
  language?: string;

  /** IANA time zone such as `Asia/Shanghai`. */
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  /** Required with new_password. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  current_password?: string;

  /** At least 8 characters; changing it signs out every other session. */
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  new_password?: string;
}
