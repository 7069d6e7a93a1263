import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { AppException } from '../../common/errors/app.exception.js';
import type { AuthUser, ClientInfo } from '../../common/auth/auth-user.js';
import { DatabaseLock } from '../../database/database-locks.js';
import { SystemLogsService } from '../system/system-logs.service.js';
import { UsersService } from '../users/users.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { SessionsService } from './sessions.service.js';
import { TokenService } from './token.service.js';
import {
  toUserResponse,
  type LoginResponseDto,
  type TokenResponseDto,
  type UserResponseDto,
} from './dto/auth.response.dto.js';
import type { LoginDto } from './dto/login.dto.js';
import type { RegisterDto } from './dto/register.dto.js';
import type { UpdateMeDto } from './dto/update-me.dto.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: SystemLogsService,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(dto: LoginDto, client: ClientInfo): Promise<LoginResponseDto> {
    await this.throttle.assertAllowed(client.ip, dto.username);
    const user = await this.users.findByUsername(dto.username);
    // Verify even for unknown or inactive users: all three failures look and take the same.
    const passwordOk = await this.users.verifyPassword(user, dto.password);
    if (!user || !passwordOk || !user.isActive) {
      await this.throttle.recordFailure(client.ip, dto.username);
      const reason = !user ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'inactive_user';
      await this.audit.audit({
        event: 'auth.login.failed',
        level: 'WARNING',
        message: `Failed login for "${dto.username.slice(0, 100)}"`,
        userId: user?.id ?? null,
        client,
        metadata: { username: dto.username.slice(0, 100), reason },
      });
      throw new AppException('INVALID_CREDENTIALS');
    }
    await this.throttle.recordSuccess(dto.username);
    const rememberMe = dto.remember_me ?? false;
    const sessionToken = this.tokens.newSessionToken();
    const refreshToken = this.tokens.newRefreshToken(sessionToken);
    await this.sessions.create(user, {
      sessionToken,
      refreshTokenHash: this.tokens.hash(refreshToken),
      rememberMe,
      ttlSeconds: this.refreshTtl(rememberMe),
      client,
    });
    await this.users.recordLogin(user);
    await this.audit.audit({
      event: 'auth.login.succeeded',
      message: `User ${user.username} logged in`,
      userId: user.id,
      sessionId: sessionToken,
      client,
    });
    return { ...(await this.tokenPair(user.id, sessionToken, refreshToken)), user: toUserResponse(user) };
  }

  /**
   * Rotates the refresh token. A token that names a live session but is not its current token
   * has been used before (or stolen): the whole session is revoked.
   */
  async refresh(refreshToken: string | undefined, client: ClientInfo): Promise<TokenResponseDto> {
    const parsed = refreshToken ? this.tokens.parseRefreshToken(refreshToken) : null;
    if (!refreshToken || !parsed) throw new AppException('INVALID_REFRESH_TOKEN');
    const presentedHash = this.tokens.hash(refreshToken);
    const outcome = await this.db.transaction(async (tx) => {
      const session = await this.sessions.lockForRefresh(tx, parsed.sessionToken);
      if (
        !session ||
        !session.isActive ||
        session.expiresAt.getTime() <= Date.now() ||
        !session.user?.isActive
      ) {
        return { kind: 'invalid' as const };
      }
      if (session.refreshTokenHash !== presentedHash) {
        await this.sessions.revokeInTx(tx, session, 'refresh_token_reuse');
        return { kind: 'reuse' as const, userId: session.userId };
      }
      const next = this.tokens.newRefreshToken(session.sessionToken);
      await this.sessions.rotate(tx, session, this.tokens.hash(next), this.refreshTtl(session.rememberMe));
      return { kind: 'rotated' as const, userId: session.userId, next };
    });
    if (outcome.kind === 'invalid') throw new AppException('INVALID_REFRESH_TOKEN');
    if (outcome.kind === 'reuse') {
      await this.sessions.markRevoked([parsed.sessionToken]);
      await this.audit.audit({
        event: 'auth.refresh.reuse_detected',
        level: 'WARNING',
        message: 'A rotated refresh token was presented again; the session was revoked',
        userId: outcome.userId,
        sessionId: parsed.sessionToken,
        client,
      });
      throw new AppException(
        'SESSION_REVOKED',
        null,
        'Refresh token was already used; the session has been revoked',
      );
    }
    return this.tokenPair(outcome.userId, parsed.sessionToken, outcome.next);
  }

  async logout(user: AuthUser, client: ClientInfo): Promise<null> {
    await this.sessions.revoke(user.sessionToken, 'logout');
    await this.audit.audit({
      event: 'auth.logout',
      message: `User ${user.username} logged out`,
      userId: user.id,
      sessionId: user.sessionToken,
      client,
    });
    return null;
  }

  /** Open while no user exists or when ALLOW_REGISTRATION=true. The very first user is a superuser. */
  async register(dto: RegisterDto, client: ClientInfo): Promise<UserResponseDto> {
    const embedded = this.config.database.mode === 'embedded';
    const user = await this.db.transaction(async (tx) => {
      // Serialises "am I the first user?" across instances; PGlite already runs one transaction at a time.
      if (!embedded) await tx.query('SELECT pg_advisory_xact_lock($1)', [DatabaseLock.FirstUser]);
      const existing = await this.users.count(tx);
      if (existing > 0 && !this.config.auth.allowRegistration)
        throw new AppException('REGISTRATION_DISABLED');
      return this.users.create(
        {
          username: dto.username,
          email: dto.email,
          password: dto.password,
          fullName: dto.full_name,
          isSuperuser: existing === 0,
        },
        tx,
      );
    });
    await this.audit.audit({
      event: 'auth.registered',
      message: `User ${user.username} registered`,
      userId: user.id,
      client,
      metadata: { superuser: user.isSuperuser },
    });
    return toUserResponse(user);
  }

  async me(user: AuthUser): Promise<UserResponseDto> {
    return toUserResponse(await this.requireUser(user.id));
  }

  async updateMe(auth: AuthUser, dto: UpdateMeDto, client: ClientInfo): Promise<UserResponseDto> {
    let user = await this.requireUser(auth.id);
    if (dto.new_password !== undefined) {
      if (!dto.current_password) {
        throw new AppException('VALIDATION_ERROR', [
          { field: 'current_password', message: 'current_password is required to change the password' },
        ]);
      }
      if (!(await this.users.verifyPassword(user, dto.current_password))) {
        await this.audit.audit({
          event: 'auth.password.change_failed',
          level: 'WARNING',
          message: 'Password change with a wrong current password',
          userId: user.id,
          client,
        });
        throw new AppException('INVALID_CURRENT_PASSWORD');
      }
    }
    user = await this.users.updateProfile(user, {
      fullName: dto.full_name,
      email: dto.email,
      language: dto.language,
      timezone: dto.timezone,
    });
    if (dto.new_password !== undefined) {
      user = await this.users.setPassword(user, dto.new_password);
      const revoked = await this.sessions.revokeAllForUser(user.id, 'password_changed', auth.sessionToken);
      await this.audit.audit({
        event: 'auth.password.changed',
        message: `User ${user.username} changed the password`,
        userId: user.id,
        sessionId: auth.sessionToken,
        client,
        metadata: { other_sessions_revoked: revoked },
      });
    }
    return toUserResponse(user);
  }

  private async requireUser(id: number) {
    const user = await this.users.findById(id);
    if (!user) throw new AppException('USER_NOT_FOUND');
    return user;
  }

  private refreshTtl(rememberMe: boolean): number {
    return rememberMe ? this.config.auth.rememberMeTtlSeconds : this.config.auth.refreshTtlSeconds;
  }

  private async tokenPair(
    userId: number,
    sessionToken: string,
    refreshToken: string,
  ): Promise<TokenResponseDto> {
    return {
      access_token: await this.tokens.signAccess({ userId, sessionToken }),
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: this.tokens.accessTtlSeconds,
    };
  }
}
