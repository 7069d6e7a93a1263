import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,50}$/;

export class RegisterDto {
  /** 3–50 characters: letters, digits, `_`, `.`, `-`. Stored lower-case. */
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3–50 letters, digits, _ . or -' })
  username!: string;

  @IsEmail()
  @MaxLength(100)
  email!: string;

  /** At least 8 characters. */
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  password!: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  full_name?: string;
}
