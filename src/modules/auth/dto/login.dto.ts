import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  username!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;

  /** Keep the refresh session for REFRESH_REMEMBER_ME_TTL_SECONDS (default 30 days) instead of one day. */
  @IsOptional()
  @IsBoolean()
  remember_me?: boolean;
}
