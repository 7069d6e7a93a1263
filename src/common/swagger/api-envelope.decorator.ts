import { applyDecorators, HttpCode, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { ERROR_STATUS, type ErrorCode } from '../errors/error-codes.js';

export class PaginationMetaDto {
  @ApiProperty({ type: 'integer', example: 1 })
  page!: number;
  @ApiProperty({ type: 'integer', example: 20 })
  page_size!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Matching items; a lower bound when total_is_lower_bound is true.',
    example: 156,
  })
  total!: number;
  @ApiProperty({ type: 'integer', example: 8 })
  total_pages!: number;
  @ApiProperty({
    required: false,
    description:
      'Only on lists that cap their count (GET /signals): true when counting stopped at the cap, so there are ' +
      'more than `total` matches and more than `total_pages` pages (page on with `next_cursor`).',
  })
  total_is_lower_bound?: boolean;
}

const envelope = (data: SchemaObject | ReferenceObject, paginated: boolean): SchemaObject => ({
  type: 'object',
  required: ['success', 'data', 'message', 'timestamp', 'request_id', ...(paginated ? ['pagination'] : [])],
  properties: {
    success: { type: 'boolean', enum: [true] },
    data,
    message: { type: 'string', example: 'Success' },
    timestamp: { type: 'string', format: 'date-time', example: '2024-01-15T14:25:30Z' },
    request_id: { type: 'string' },
    ...(paginated ? { pagination: { $ref: getSchemaPath(PaginationMetaDto) } } : {}),
  },
});

export interface EnvelopeOptions {
  /** Returned as `data: { [paginated]: Dto[] }` plus `pagination`. */
  paginated?: string;
  /** HTTP status of success (default 200; also set on the route). */
  status?: 200 | 201 | 202;
  description?: string;
}

/** Documents the success envelope around `dto` (null: `data` is null). The runtime shape comes from EnvelopeInterceptor. */
export function ApiEnvelope(
  dto: Type<unknown> | null,
  opts: EnvelopeOptions = {},
): MethodDecorator & ClassDecorator {
  const status = opts.status ?? 200;
  const ref: SchemaObject | ReferenceObject = dto
    ? { $ref: getSchemaPath(dto) }
    : { type: 'object', nullable: true, example: null };
  const data: SchemaObject | ReferenceObject = opts.paginated
    ? {
        type: 'object',
        required: [opts.paginated],
        properties: { [opts.paginated]: { type: 'array', items: ref } },
      }
    : ref;
  return applyDecorators(
    ApiExtraModels(...(dto ? [dto] : []), PaginationMetaDto),
    HttpCode(status),
    ApiResponse({
      status,
      description: opts.description ?? 'Success',
      schema: envelope(data, !!opts.paginated),
    }),
  );
}

/** Codes a route answers with on failure, beyond the ones every route may answer (400, 401, 429, 500). */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.join(' | '),
        schema: { $ref: '#/components/schemas/ErrorEnvelope' },
      }),
    ),
  );
}
