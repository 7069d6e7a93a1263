/**
 * Operator commands, run against the configured database (`npm run cli -- <command> …`):
 *   create-user --username U --email E [--password P] [--superuser] [--full-name N]
 *   reset-password --username U [--password P]      (revokes the user's sessions)
 * Without --password a random one is generated and printed once.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfigFromProcess, type AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { CacheModule } from './infra/cache/cache.module.js';
import { HttpModule } from './infra/http/http.module.js';
import { MetricsModule } from './infra/metrics/metrics.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { SessionsService } from './modules/auth/sessions.service.js';
import { SystemLogsService } from './modules/system/system-logs.service.js';
import { UsersService } from './modules/users/users.service.js';
import { AppException } from './common/errors/app.exception.js';

const USAGE = `usage:
  npm run cli -- create-user --username U --email E [--password P] [--superuser] [--full-name N]
  npm run cli -- reset-password --username U [--password P]
`;

function cliModule(config: AppConfig) {
  @Module({
    imports: [
      ConfigModule.forRoot(config),
      CacheModule,
      HttpModule,
      MetricsModule,
      DatabaseModule.forRoot(),
      AuthModule,
    ],
  })
  class CliModule {}
  return CliModule;
}

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      'full-name': { type: 'string' },
      superuser: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  if ((command !== 'create-user' && command !== 'reset-password') || !values.username) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (command === 'create-user' && !values.email) {
    process.stderr.write('create-user needs --email\n' + USAGE);
    return 2;
  }
  if (values.password !== undefined && values.password.length < 8) {
    process.stderr.write('password must be at least 8 characters\n');
    return 2;
  }
  const config = loadConfigFromProcess({ LOG_LEVEL: 'warn' });
  // InitialAdminService must not run here: the CLI is how operators create users themselves.
  const app = await NestFactory.createApplicationContext(cliModule(config), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  try {
    const users = app.get(UsersService);
    const audit = app.get(SystemLogsService);
    const generated = values.password === undefined;
    const password = values.password ?? randomBytes(12).toString('base64url');
    if (command === 'create-user') {
      const user = await users.create({
        username: values.username,
        email: values.email!,
        password,
        fullName: values['full-name'],
        isSuperuser: values.superuser,
      });
      await audit.audit({
        event: 'auth.user.created_by_cli',
        message: `User ${user.username} created from the CLI`,
        userId: user.id,
        metadata: { superuser: user.isSuperuser },
      });
      process.stdout.write(
        `created user ${user.username} (id ${user.id})${user.isSuperuser ? ' as superuser' : ''}\n`,
      );
    } else {
      const user = await users.findByUsername(values.username);
      if (!user) {
        process.stderr.write(`no user named ${values.username}\n`);
        return 1;
      }
      await users.setPassword(user, password);
      const revoked = await app.get(SessionsService).revokeAllForUser(user.id, 'password_reset');
      await audit.audit({
        event: 'auth.password.reset_by_cli',
        message: `Password of ${user.username} reset from the CLI`,
        userId: user.id,
        metadata: { sessions_revoked: revoked },
      });
      process.stdout.write(`password of ${user.username} reset; ${revoked} session(s) revoked\n`);
    }
    if (generated) process.stdout.write(`password: ${password}\n`);
    return 0;
  } catch (err) {
    if (err instanceof AppException) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await app.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG, as the server
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
