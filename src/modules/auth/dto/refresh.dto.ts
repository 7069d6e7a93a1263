import { IsOptional, IsString, MaxLength } from 'class-validator';

export class RefreshDto {
  /** The refresh token from login or the previous refresh. May instead be sent as `Authorization: Bearer <refresh_token>`. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  refresh_token?: string;
}
