import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { AppException } from '../../common/errors/app.exception.js';
import { SystemLogsService } from '../system/system-logs.service.js';
import { UsersService } from '../users/users.service.js';

export const INITIAL_PASSWORD_FILE = 'initial-admin-password';

/**
 * First start: with no user at all, create the administrator — from ADMIN_USERNAME/ADMIN_PASSWORD
 * when set, otherwise `admin` with a random password shown once on the console and written to
 * DATA_DIR/initial-admin-password (0600). Never touches an installation that has users.
 */
@Injectable()
export class InitialAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger(InitialAdminService.name);

  constructor(
    private readonly users: UsersService,
    private readonly audit: SystemLogsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const { username, password, email } = this.config.auth.admin;
    const generated = !password;
    const finalPassword = password ?? randomBytes(18).toString('base64url');
    const finalUsername = username ?? 'admin';
    try {
      const user = await this.users.create({
        username: finalUsername,
        email: email ?? `${finalUsername}@localhost`,
        password: finalPassword,
        fullName: 'Administrator',
        isSuperuser: true,
      });
      await this.audit.audit({
        event: 'auth.admin.created',
        message: `Initial administrator ${user.username} created`,
        userId: user.id,
        metadata: { generated_password: generated },
      });
    } catch (err) {
      // Another instance starting at the same moment created it first.
      if (err instanceof AppException && (err.code === 'USERNAME_TAKEN' || err.code === 'EMAIL_TAKEN'))
        return;
      throw err;
    }
    if (!generated) {
      this.logger.log(`created administrator "${finalUsername}" from ADMIN_USERNAME/ADMIN_PASSWORD`);
      return;
    }
    const file = path.join(this.config.paths.dataDir, INITIAL_PASSWORD_FILE);
    writeFileSync(file, finalPassword + '\n', { mode: 0o600 });
    // Shown once, on the console only — deliberately not through the JSON logger.
    process.stdout.write(
      `\n  BTC Watcher: created administrator "${finalUsername}" with password: ${finalPassword}\n` +
        `  (also saved to ${file}; change it with PUT /api/v1/auth/me)\n\n`,
    );
  }
}
