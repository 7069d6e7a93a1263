import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception.js';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { SessionsService } from '../auth/sessions.service.js';
import { TokenService } from '../auth/token.service.js';

/** The HTTP guard's check for realtime connections: a valid access token of a live session. */
@Injectable()
export class SocketAuthService {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
  ) {}

  async authenticate(token: string | undefined): Promise<AuthUser> {
    if (!token) throw new AppException('UNAUTHORIZED');
    const claims = await this.tokens.verifyAccess(token);
    const state = await this.sessions.state(claims.sessionToken);
    if (!state || state.userId !== claims.userId) throw new AppException('SESSION_REVOKED');
    return {
      id: state.userId,
      username: state.username,
      isSuperuser: state.isSuperuser,
      sessionToken: claims.sessionToken,
    };
  }
}
