import 'reflect-metadata';
import { earlyEmbeddedHint } from './config/early-database-hint.js';
import type { EmbeddedPostgres } from './database/embedded-postgres.js';

export { warmUpStartupCode } from './startup/warm-up.js';

async function main(): Promise<void> {
  // Opening PGlite (~0.5 s) overlaps with loading the validator and the application (~1 s): it
  // starts first, from a hint read without them; the full configuration is checked right after.
  // PGlite itself is loaded only then: a server on PostgreSQL never needs it.
  const hint = earlyEmbeddedHint();
  const prestarted: Promise<EmbeddedPostgres> | undefined = hint
    ? import('./database/embedded-postgres.js').then(({ startEmbeddedPostgres }) =>
        startEmbeddedPostgres(hint.dataDir, hint.maxConnections, hint),
      )
    : undefined;
  prestarted?.catch(() => undefined); // a failure surfaces when the database module awaits it
  const { ConfigError, loadConfigFromProcess } = await import('./config/app-config.js');
  let config;
  try {
    config = loadConfigFromProcess();
  } catch (err) {
    await (await prestarted?.catch(() => undefined))?.close();
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  if (
    (config.database.mode === 'embedded') !== (prestarted !== undefined) ||
    (hint && config.database.mode === 'embedded' && hint.dataDir !== config.database.dataDir)
  ) {
    throw new Error('the early database hint disagrees with the configuration');
  }
  const [{ createApp, API_PREFIX }, { createLogger }, { redactUrl }] = await Promise.all([
    import('./app.factory.js'),
    import('./common/logging/logger.js'),
    import('./common/logging/redact.js'),
  ]);
  const logger = createLogger(config.log);
  const { app } = await createApp(config, { logger, prestarted });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    // Whatever hangs, the process is gone within the timeout.
    setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.server.shutdownTimeoutMs).unref();
    app
      .close()
      .then(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.server.port, host: config.server.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const base = config.server.publicUrl ?? `http://${config.server.host}:${port}`;
  logger.info(
    {
      port,
      database:
        config.database.mode === 'postgres'
          ? redactUrl(config.database.url)
          : `embedded (${config.database.dataDir})`,
      redis: config.redis ? redactUrl(config.redis.url) : 'in-process',
    },
    `BTC Watcher listening on ${base} — API ${base}/${API_PREFIX}, docs ${base}/docs`,
  );
}

/** Starts the HTTP server; called by `main.ts`, from the bundle when there is one. */
export function startServer(): void {
  main().catch((err: unknown) => {
    process.stderr.write(
      `BTC Watcher failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
