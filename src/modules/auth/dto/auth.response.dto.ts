import { ApiProperty } from '@nestjs/swagger';
import type { User } from '../../users/entities/user.entity.js';

export class UserResponseDto {
  id!: number;
  username!: string;
  email!: string;
  full_name!: string | null;
  language!: string;
  timezone!: string;
  is_superuser!: boolean;
  is_active!: boolean;
  last_login_at!: string | null;
  created_at!: string;
}

export class TokenResponseDto {
  access_token!: string;
  refresh_token!: string;
  @ApiProperty({ enum: ['bearer'] })
  token_type!: 'bearer';
  /** Access token lifetime in seconds. */
  expires_in!: number;
}

export class LoginResponseDto extends TokenResponseDto {
  user!: UserResponseDto;
}

export function toUserResponse(u: User): UserResponseDto {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    full_name: u.fullName,
    language: u.language,
    timezone: u.timezone,
    is_superuser: u.isSuperuser,
    is_active: u.isActive,
    last_login_at: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
    created_at: u.createdAt.toISOString(),
  };
}
