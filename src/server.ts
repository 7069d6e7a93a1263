import 'reflect-metadata';
import type { EarlyDatabase } from './startup/early-database.js';

export { warmUpStartupCode } from './startup/warm-up.js';

async function main(early: EarlyDatabase | undefined): Promise<void> {
  const prestarted = early?.embedded;
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
    (config.database.mode === 'embedded') !== (early !== undefined) ||
    (early && config.database.mode === 'embedded' && early.dataDir !== config.database.dataDir)
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

/**
 * Starts the HTTP server; called by `main.ts` (from the bundle when there is one) with the embedded
 * database it has begun to open (see startup/early-database.ts).
 */
export function startServer(early: EarlyDatabase | undefined): void {
  main(early).catch((err: unknown) => {
    process.stderr.write(
      `BTC Watcher failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
