import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { AppException } from '../../common/errors/app.exception.js';
import { COUNTERS, type Counters } from '../../infra/cache/cache.port.js';

/**
 * The general API rate limit: RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_SECONDS per client
 * address, in fixed windows on the Counters port (Redis when configured, so the limit is global
 * across instances). Runs before authentication, so floods of bad tokens are limited too.
 * (@nestjs/throttler 6 is CommonJS requiring ESM-only Nest 12, which Jest's ESM runtime cannot load.)
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(COUNTERS) private readonly counters: Counters,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const { max, windowSeconds } = this.config.rateLimit;
    if (max === 0 || ctx.getType() !== 'http') return true;
    const http = ctx.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { count, ttlMs } = await this.counters.increment(`rl:${req.ip}`, windowSeconds * 1000);
    const reset = Math.max(1, Math.ceil(ttlMs / 1000));
    void reply
      .header('X-RateLimit-Limit', max)
      .header('X-RateLimit-Remaining', Math.max(0, max - count))
      .header('X-RateLimit-Reset', reset);
    if (count > max) {
      throw new AppException('TOO_MANY_REQUESTS', { retry_after: reset }, undefined, {
        'Retry-After': String(reset),
      });
    }
    return true;
  }
}
