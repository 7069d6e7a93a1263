import type { DynamicModule, NestApplicationOptions } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import type { EmbeddedPostgres } from './database/embedded-postgres.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { EnvelopeInterceptor } from './common/http/envelope.interceptor.js';
import { REQUEST_ID_HEADER, requestIdFor } from './common/http/request-id.js';
import { serializeReply } from './common/http/reply-serializer.js';
import { createLogger, type AppLogger } from './common/logging/logger.js';
import { NestPinoLogger } from './common/logging/nest-logger.js';
import { RequestLogController } from './common/logging/request-log.controller.js';
import { buildOpenApiDocument } from './common/swagger/openapi-document.js';
import { createValidationPipe } from './common/validation/validation.pipe.js';
import { SystemLogsService } from './modules/system/system-logs.service.js';
import { RedisIoAdapter } from './modules/realtime/redis-io.adapter.js';
import { installMetrics } from './infra/metrics/metrics-endpoint.js';
import { Metrics } from './infra/metrics/metrics.js';

export const API_PREFIX = 'api/v1';
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface CreatedApp {
  app: NestFastifyApplication;
  logger: AppLogger;
}

/**
 * Builds the whole application without listening: used by main, the e2e tests and the OpenAPI
 * tool (`preview: true` resolves routes without instantiating providers, so no database is needed).
 */
/** Turns the root module into an application; tests pass one that overrides providers. */
export type AppBuilder = (
  root: DynamicModule,
  adapter: FastifyAdapter,
  options: NestApplicationOptions,
) => Promise<NestFastifyApplication>;

const nestFactoryBuilder: AppBuilder = (root, adapter, options) =>
  NestFactory.create<NestFastifyApplication>(root, adapter, options);

export async function createApp(
  config: AppConfig,
  opts: {
    preview?: boolean;
    logger?: AppLogger;
    prestarted?: Promise<EmbeddedPostgres>;
    build?: AppBuilder;
  } = {},
): Promise<CreatedApp> {
  const logger = opts.logger ?? createLogger(config.log);
  const nestLogger = new NestPinoLogger(logger);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new RequestLogController(new Set([`/${API_PREFIX}/system/health`])),
    genReqId: requestIdFor,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.server.trustProxy,
  });
  const app = await (opts.build ?? nestFactoryBuilder)(
    AppModule.forRoot(config, { prestarted: opts.prestarted }),
    adapter,
    {
      logger: nestLogger,
      bufferLogs: true,
      preview: opts.preview ?? false,
      abortOnError: false,
    },
  );
  app.useLogger(nestLogger);
  app.setGlobalPrefix(API_PREFIX);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalInterceptors(new EnvelopeInterceptor(app.get(Reflector)));
  if (config.redis) app.useWebSocketAdapter(new RedisIoAdapter(app, config.redis));

  const fastify = app.getHttpAdapter().getInstance();
  // Before any route exists: routes take the default serializer in force when they are added.
  // Fastify sends the Buffer it returns for a pre-serialised body as it is; its typing says string.
  fastify.setReplySerializer(serializeReply as (payload: unknown) => string);
  // Multipart only for dataset uploads: one file, streamed, capped at DATASET_MAX_BYTES (→ 413).
  await app.register(multipart as never, {
    limits: { fileSize: config.datasets.maxBytes, files: 1, fields: 10, fieldSize: 16 * 1024, parts: 12 },
  });
  fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    void reply.header(REQUEST_ID_HEADER, req.id);
  });
  // Fastify's own errors (body parsing, size limit, content type) reach AllExceptionsFilter through
  // Nest's error handler, wrapped in an HttpException whose cause keeps Fastify's code.

  if (!opts.preview) {
    installMetrics(fastify, app.get(Metrics), config.metrics.token);
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
    nestLogger.attachSink(app.get(SystemLogsService));
  }
  return { app, logger };
}
