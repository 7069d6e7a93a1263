import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { AppException } from '../../common/errors/app.exception.js';
import { COUNTERS, type Counters } from '../../infra/cache/cache.port.js';
import { normaliseUsername } from '../users/users.service.js';

/**
 * Failed-login throttling per client IP and per username: after N failures in the window, every
 * attempt (even a correct one) gets 429 until the window ends. Counters live in Redis when
 * configured, so the limit holds across instances.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(COUNTERS) private readonly counters: Counters,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private keys(ip: string | null, username: string): string[] {
    return [`login-fail:ip:${ip ?? 'unknown'}`, `login-fail:user:${normaliseUsername(username)}`];
  }

  async assertAllowed(ip: string | null, username: string): Promise<void> {
    const values = await Promise.all(this.keys(ip, username).map((k) => this.counters.get(k)));
    const blocked = values.filter((v) => v.count >= this.config.auth.loginMaxFailures);
    if (!blocked.length) return;
    const retryAfter = Math.max(1, Math.ceil(Math.max(...blocked.map((v) => v.ttlMs)) / 1000));
    throw new AppException(
      'TOO_MANY_REQUESTS',
      { retry_after: retryAfter },
      'Too many failed login attempts; try again later',
      { 'Retry-After': String(retryAfter) },
    );
  }

  async recordFailure(ip: string | null, username: string): Promise<void> {
    const windowMs = this.config.auth.loginFailureWindowSeconds * 1000;
    await Promise.all(this.keys(ip, username).map((k) => this.counters.increment(k, windowMs)));
  }

  /** A successful login clears the username's count (the IP's stays: it may be guessing many names). */
  async recordSuccess(username: string): Promise<void> {
    await this.counters.reset(this.keys(null, username)[1]!);
  }
}
