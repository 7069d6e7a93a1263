import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { AppException } from '../../common/errors/app.exception.js';

export interface AccessClaims {
  userId: number;
  sessionToken: string;
}

const REFRESH_FORMAT = /^rt_([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

/** Access JWTs and opaque refresh tokens. One verification path for HTTP and, later, sockets. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get accessTtlSeconds(): number {
    return this.config.auth.accessTtlSeconds;
  }

  signAccess(claims: AccessClaims): Promise<string> {
    return this.jwt.signAsync(
      { sid: claims.sessionToken, typ: 'access' },
      { subject: String(claims.userId), expiresIn: this.accessTtlSeconds },
    );
  }

  /** TOKEN_EXPIRED for an expired token, UNAUTHORIZED for anything else that is not ours. */
  async verifyAccess(token: string): Promise<AccessClaims> {
    let payload: { sub?: string; sid?: string; typ?: string };
    try {
      payload = await this.jwt.verifyAsync(token, { algorithms: ['HS256'] });
    } catch (err) {
      if ((err as Error).name === 'TokenExpiredError') throw new AppException('TOKEN_EXPIRED');
      throw new AppException('UNAUTHORIZED', null, 'Invalid access token');
    }
    const userId = Number(payload.sub);
    if (payload.typ !== 'access' || !payload.sid || !Number.isInteger(userId)) {
      throw new AppException('UNAUTHORIZED', null, 'Invalid access token');
    }
    return { userId, sessionToken: payload.sid };
  }

  newSessionToken(): string {
    return randomUUID();
  }

  /** `rt_<session id>.<256 random bits>`: the session id finds the row, the hash proves the secret. */
  newRefreshToken(sessionToken: string): string {
    return `rt_${sessionToken}.${randomBytes(32).toString('base64url')}`;
  }

  parseRefreshToken(token: string): { sessionToken: string } | null {
    const m = REFRESH_FORMAT.exec(token);
    return m ? { sessionToken: m[1]! } : null;
  }

  hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
