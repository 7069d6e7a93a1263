import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException } from '../../common/errors/app.exception.js';
import { IS_PUBLIC, SUPERUSER_ONLY, type AuthenticatedRequest } from '../../common/auth/decorators.js';
import { SessionsService } from './sessions.service.js';
import { TokenService } from './token.service.js';

export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const m = value ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return m ? m[1]! : null;
}

/**
 * Default-deny: every route needs a valid access token of a live session unless it is @Public.
 * The session is checked per request (through the cache port), so logout takes effect at once.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new AppException('UNAUTHORIZED');
    const claims = await this.tokens.verifyAccess(token);
    const state = await this.sessions.state(claims.sessionToken);
    if (!state || state.userId !== claims.userId) throw new AppException('SESSION_REVOKED');
    req.user = {
      id: state.userId,
      username: state.username,
      isSuperuser: state.isSuperuser,
      sessionToken: claims.sessionToken,
    };
    if (this.reflector.getAllAndOverride<boolean>(SUPERUSER_ONLY, targets) && !state.isSuperuser) {
      throw new AppException('FORBIDDEN');
    }
    return true;
  }
}
