import { SetMetadata, applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuthUser, ClientInfo } from './auth-user.js';

export const IS_PUBLIC = 'btcw:public';
export const SUPERUSER_ONLY = 'btcw:superuser-only';

/** The route needs no access token. Every use is listed in the route inventory snapshot. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension('x-public', true));

/** Only superusers may call the route (403 FORBIDDEN otherwise). */
export const SuperuserOnly = () => SetMetadata(SUPERUSER_ONLY, true);

export type AuthenticatedRequest = FastifyRequest & { user?: AuthUser };

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<AuthenticatedRequest>().user;
  // The global guard runs first; a handler without a user is a programming error, not a 401.
  if (!user) throw new Error('CurrentUser used on a route without authentication');
  return user;
});

export const Client = createParamDecorator((_: unknown, ctx: ExecutionContext): ClientInfo => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  const ua = req.headers['user-agent'];
  return {
    ip: req.ip ?? null,
    userAgent: typeof ua === 'string' ? ua.slice(0, 500) : null,
    requestId: req.id,
  };
});
