import { Body, Controller, Get, Headers, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser, ClientInfo } from '../../common/auth/auth-user.js';
import { Client, CurrentUser, Public } from '../../common/auth/decorators.js';
import { ResponseMessage } from '../../common/http/response-message.decorator.js';
import { ApiEnvelope, ApiErrors } from '../../common/swagger/api-envelope.decorator.js';
import { AuthService } from './auth.service.js';
import { bearerToken } from './auth.guard.js';
import { LoginResponseDto, TokenResponseDto, UserResponseDto } from './dto/auth.response.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { RefreshDto } from './dto/refresh.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { UpdateMeDto } from './dto/update-me.dto.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Log in with username and password; returns an access token and a rotating refresh token. */
  @Public()
  @Post('login')
  @ApiEnvelope(LoginResponseDto)
  @ApiErrors('INVALID_CREDENTIALS', 'TOO_MANY_REQUESTS')
  login(@Body() dto: LoginDto, @Client() client: ClientInfo) {
    return this.auth.login(dto, client);
  }

  /** Exchange a refresh token for a new access token and a new refresh token (the old one stops working). */
  @Public()
  @Post('refresh')
  @ApiEnvelope(TokenResponseDto)
  @ApiErrors('INVALID_REFRESH_TOKEN', 'SESSION_REVOKED')
  refresh(
    @Body() dto: RefreshDto,
    @Headers('authorization') authorization: string | undefined,
    @Client() client: ClientInfo,
  ) {
    return this.auth.refresh(dto.refresh_token ?? bearerToken(authorization) ?? undefined, client);
  }

  /** Revoke the current session; its access and refresh tokens stop working at once. */
  @Post('logout')
  @ResponseMessage('Logged out')
  @ApiEnvelope(null)
  logout(@CurrentUser() user: AuthUser, @Client() client: ClientInfo) {
    return this.auth.logout(user, client);
  }

  /** Create an account: allowed while no user exists, or when ALLOW_REGISTRATION=true. */
  @Public()
  @Post('register')
  @ApiEnvelope(UserResponseDto, { status: 201 })
  @ApiErrors('REGISTRATION_DISABLED', 'USERNAME_TAKEN', 'EMAIL_TAKEN')
  register(@Body() dto: RegisterDto, @Client() client: ClientInfo) {
    return this.auth.register(dto, client);
  }

  /** The signed-in user's profile. */
  @Get('me')
  @ApiEnvelope(UserResponseDto)
  getMe(@CurrentUser() user: AuthUser) {
    return this.auth.me(user);
  }

  /** Update profile fields; changing the password needs the current one and signs out all other sessions. */
  @Put('me')
  @ApiEnvelope(UserResponseDto)
  @ApiErrors('INVALID_CURRENT_PASSWORD', 'EMAIL_TAKEN')
  updateMe(@CurrentUser() user: AuthUser, @Body() dto: UpdateMeDto, @Client() client: ClientInfo) {
    return this.auth.updateMe(user, dto, client);
  }
}
