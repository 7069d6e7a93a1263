/**
 * `npm run freqtrade:install [-- --version 2025.8]`: installs a freqtrade release into
 * DATA_DIR/freqtrade/versions/<version>/venv as a task (recorded in `tasks` and
 * `freqtrade_installations`), printing pip's progress. Ctrl-C cancels it and removes the venv.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Events, type TaskProgressEvent } from '../common/events/event-map.js';
import { ConfigError, loadConfigFromProcess, type AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { CacheModule } from '../infra/cache/cache.module.js';
import { MetricsModule } from '../infra/metrics/metrics.module.js';
import { FreqtradeInstallation } from '../modules/freqtrade/entities/freqtrade-installation.entity.js';
import { FreqtradeInstallationsService } from '../modules/freqtrade/install/freqtrade-installations.service.js';
import { TaskRunner } from '../modules/tasks/task-runner.service.js';
import { TasksModule } from '../modules/tasks/tasks.module.js';

function installModule(config: AppConfig) {
  @Module({
    imports: [
      ConfigModule.forRoot(config),
      CacheModule,
      MetricsModule,
      DatabaseModule.forRoot(),
      EventEmitterModule.forRoot(),
      TasksModule,
      TypeOrmModule.forFeature([FreqtradeInstallation]),
    ],
    providers: [FreqtradeInstallationsService],
  })
  class FreqtradeInstallModule {}
  return FreqtradeInstallModule;
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { version: { type: 'string' } } });
  const config = loadConfigFromProcess({ LOG_LEVEL: 'warn' });
  const version = values.version ?? config.freqtrade.defaultVersion;
  const app = await NestFactory.createApplicationContext(installModule(config), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  app.enableShutdownHooks();
  try {
    const installations = app.get(FreqtradeInstallationsService);
    const runner = app.get(TaskRunner);
    app.get(EventEmitter2).on(Events.TaskProgress, (e: TaskProgressEvent) => {
      if (e.message) process.stdout.write(`[${String(e.progress).padStart(3)}%] ${e.message}\n`);
    });
    const task = await installations.install(version);
    process.once('SIGINT', () => void runner.cancel(task.id).catch(() => undefined));
    const done = await runner.wait(task.id);
    if (done.status === 'SUCCESS') {
      process.stdout.write(`freqtrade ${version} installed in ${installations.venvDir(version)}\n`);
      return 0;
    }
    process.stderr.write(`install ${done.status.toLowerCase()}: ${done.error ?? 'no reason given'}\n`);
    return 1;
  } finally {
    await app.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
