import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ERROR_STATUS } from '../errors/error-codes.js';

export const PUBLIC_EXTENSION = 'x-public';

const ERROR_ENVELOPE = {
  type: 'object',
  required: ['success', 'error', 'timestamp', 'request_id'],
  properties: {
    success: { type: 'boolean', enum: [false] },
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
        message: { type: 'string' },
        details: {
          nullable: true,
          description:
            'VALIDATION_ERROR: [{field, message}]; INTERNAL_ERROR: {error_id}; otherwise code-specific or null',
        },
      },
    },
    timestamp: { type: 'string', format: 'date-time' },
    request_id: { type: 'string' },
  },
} as const;

const COMMON_ERRORS: Record<string, string> = {
  '400': 'VALIDATION_ERROR | BAD_REQUEST | INVALID_JSON',
  '413': 'PAYLOAD_TOO_LARGE',
  '429': 'TOO_MANY_REQUESTS',
  '500': 'INTERNAL_ERROR',
};

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * Builds the OpenAPI document: bearer security on every route that is not @Public, the error
 * envelope on every route, operation ids from method names, keys sorted so diffs stay quiet.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('BTC Watcher API')
    .setDescription(
      'Self-hosted crypto signal-monitoring backend. Every response is an envelope: ' +
        '`{success, data, message, timestamp, request_id, pagination?}` or `{success:false, error:{code, message, details}, timestamp, request_id}`.',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  const doc = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controller: string, method: string) => method,
  });
  doc.components ??= {};
  doc.components.schemas ??= {};
  doc.components.schemas.ErrorEnvelope = ERROR_ENVELOPE as never;
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      const operation = op as {
        responses: Record<string, unknown>;
        security?: unknown;
        [PUBLIC_EXTENSION]?: boolean;
      };
      const isPublic = operation[PUBLIC_EXTENSION] === true;
      delete operation[PUBLIC_EXTENSION];
      operation.security = isPublic ? [] : [{ bearer: [] }];
      const errors = isPublic
        ? COMMON_ERRORS
        : { ...COMMON_ERRORS, '401': 'UNAUTHORIZED | TOKEN_EXPIRED | SESSION_REVOKED' };
      for (const [status, description] of Object.entries(errors)) {
        operation.responses[status] ??= {
          description,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
        };
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        const r = response as { content?: Record<string, { schema?: unknown }>; description: string };
        const schema = r.content?.['application/json']?.schema as { properties?: object } | undefined;
        // The Swagger plugin adds a bare response inferred from the return type; the envelope's (ApiEnvelope) is the real one.
        if (Number(status) < 300 && !schema?.properties) {
          delete operation.responses[status];
          continue;
        }
        if (Number(status) >= 400 && !r.content) {
          r.content = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } };
        }
      }
    }
  }
  return sortKeys(doc) as OpenAPIObject;
}
