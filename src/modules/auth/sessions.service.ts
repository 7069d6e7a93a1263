import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Not, Repository, type EntityManager } from 'typeorm';
import { CACHE, type Cache } from '../../infra/cache/cache.port.js';
import type { ClientInfo } from '../../common/auth/auth-user.js';
import { UserSession } from './entities/user-session.entity.js';

/** The user fields a session's state is built from (any User row has them). */
interface SessionUser {
  id: number;
  username: string;
  isActive: boolean;
  isSuperuser: boolean;
}

/** What the guard needs per request, cached so most requests cost no query. */
export interface SessionState {
  active: boolean;
  userId: number;
  username: string;
  isSuperuser: boolean;
}

// Revocations write the cache directly; the TTL only bounds staleness for changes made elsewhere.
const STATE_TTL_MS = 60_000;
const key = (sessionToken: string) => `session:${sessionToken}`;

@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(UserSession) private readonly sessions: Repository<UserSession>,
    @Inject(CACHE) private readonly cache: Cache,
  ) {}

  async create(
    user: SessionUser,
    input: {
      sessionToken: string;
      refreshTokenHash: string;
      rememberMe: boolean;
      ttlSeconds: number;
      client: ClientInfo;
    },
  ): Promise<UserSession> {
    const session = await this.sessions.save(
      this.sessions.create({
        userId: user.id,
        sessionToken: input.sessionToken,
        refreshTokenHash: input.refreshTokenHash,
        rememberMe: input.rememberMe,
        ipAddress: input.client.ip,
        userAgent: input.client.userAgent,
        expiresAt: new Date(Date.now() + input.ttlSeconds * 1000),
      }),
    );
    await this.cache.set<SessionState>(key(session.sessionToken), stateOf(session, user), STATE_TTL_MS);
    return session;
  }

  /** The session row locked for update, inside the caller's transaction. */
  lockForRefresh(tx: EntityManager, sessionToken: string): Promise<UserSession | null> {
    return tx
      .getRepository(UserSession)
      .createQueryBuilder('s')
      .innerJoinAndSelect('s.user', 'u')
      .setLock('pessimistic_write', undefined, ['s'])
      .where('s.session_token = :sessionToken', { sessionToken })
      .getOne();
  }

  async rotate(
    tx: EntityManager,
    session: UserSession,
    refreshTokenHash: string,
    ttlSeconds: number,
  ): Promise<void> {
    await tx.getRepository(UserSession).update(session.id, {
      refreshTokenHash,
      lastActivityAt: new Date(),
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    });
  }

  async revokeInTx(tx: EntityManager, session: UserSession, reason: string): Promise<void> {
    await tx
      .getRepository(UserSession)
      .update(session.id, { isActive: false, revokedAt: new Date(), revokedReason: reason });
  }

  async revoke(sessionToken: string, reason: string): Promise<void> {
    await this.sessions.update(
      { sessionToken, isActive: true },
      { isActive: false, revokedAt: new Date(), revokedReason: reason },
    );
    await this.markRevoked([sessionToken]);
  }

  /** Revokes every active session of the user except `keep`; returns how many. */
  async revokeAllForUser(userId: number, reason: string, keep?: string): Promise<number> {
    const where = { userId, isActive: true, ...(keep ? { sessionToken: Not(keep) } : {}) };
    const victims = await this.sessions.find({ where, select: { sessionToken: true } });
    if (!victims.length) return 0;
    await this.sessions.update(where, { isActive: false, revokedAt: new Date(), revokedReason: reason });
    await this.markRevoked(victims.map((v) => v.sessionToken));
    return victims.length;
  }

  async markRevoked(sessionTokens: string[]): Promise<void> {
    await Promise.all(
      sessionTokens.map((t) =>
        this.cache.set<SessionState>(
          key(t),
          { active: false, userId: 0, username: '', isSuperuser: false },
          STATE_TTL_MS,
        ),
      ),
    );
  }

  /** Active, unexpired session state for the guard; null when there is none. */
  async state(sessionToken: string): Promise<SessionState | null> {
    const cached = await this.cache.get<SessionState>(key(sessionToken));
    if (cached) return cached.active ? cached : null;
    const session = await this.sessions.findOne({
      where: { sessionToken, isActive: true, expiresAt: MoreThan(new Date()) },
      relations: { user: true },
    });
    const state: SessionState =
      session?.user && session.user.isActive
        ? stateOf(session, session.user)
        : { active: false, userId: 0, username: '', isSuperuser: false };
    await this.cache.set(key(sessionToken), state, STATE_TTL_MS);
    return state.active ? state : null;
  }
}

function stateOf(session: UserSession, user: SessionUser): SessionState {
  return {
    active: session.isActive && user.isActive,
    userId: user.id,
    username: user.username,
    isSuperuser: user.isSuperuser,
  };
}
