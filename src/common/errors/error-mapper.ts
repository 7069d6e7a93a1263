import { randomUUID } from 'node:crypto';
import { HttpException } from '@nestjs/common';
import { AppException } from './app.exception.js';
import { ERROR_MESSAGES, ERROR_STATUS, isErrorCode, type ErrorCode } from './error-codes.js';

export interface MappedError {
  status: number;
  code: ErrorCode;
  message: string;
  details: unknown;
  headers: Record<string, string>;
  /** Set for 5xx: the id written to the log and returned to the client instead of a stack. */
  errorId?: string;
}

const STATUS_TO_CODE: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Fastify's own errors (body parsing, content type) carry a code and a 4xx statusCode. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

function fromStatus(status: number, fallbackMessage?: string): MappedError {
  const code = STATUS_TO_CODE[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
  return {
    status: ERROR_STATUS[code],
    code,
    message: fallbackMessage ?? ERROR_MESSAGES[code],
    details: null,
    headers: {},
  };
}

function internal(): MappedError {
  return {
    status: 500,
    code: 'INTERNAL_ERROR',
    message: ERROR_MESSAGES.INTERNAL_ERROR,
    details: null,
    headers: {},
    errorId: randomUUID(),
  };
}

/** Turns anything thrown into the one error shape; unknown errors become INTERNAL_ERROR with an id. */
export function mapError(err: unknown): MappedError {
  if (err instanceof AppException) {
    // A deliberate failure (503 FREQTRADE_NOT_INSTALLED, say) keeps its code and details; only
    // unexpected errors get an error id instead.
    return {
      status: err.status,
      code: err.code,
      message: err.message,
      details: err.details ?? null,
      headers: err.headers,
    };
  }
  if (
    err instanceof HttpException &&
    err.cause &&
    typeof err.cause === 'object' &&
    'statusCode' in err.cause
  ) {
    return mapError(err.cause);
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status >= 500) return internal();
    const response = err.getResponse();
    const headers: Record<string, string> = {};
    // Nest's NotFoundException for an unknown route says "Cannot GET /x": useful, safe to return.
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const mapped = fromStatus(status, typeof message === 'string' ? message : undefined);
    return { ...mapped, headers };
  }
  if (err instanceof SyntaxError && 'statusCode' in err && err.statusCode === 400) {
    return { ...fromStatus(400), code: 'INVALID_JSON', message: ERROR_MESSAGES.INVALID_JSON };
  }
  if (err && typeof err === 'object' && 'statusCode' in err && typeof err.statusCode === 'number') {
    const status = err.statusCode;
    const fstCode = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    if (status >= 400 && status < 500) {
      const code = fstCode && FASTIFY_CODES[fstCode];
      if (code)
        return {
          status: ERROR_STATUS[code],
          code,
          message: ERROR_MESSAGES[code],
          details: null,
          headers: {},
        };
      return fromStatus(status);
    }
  }
  if (err && typeof err === 'object' && 'code' in err && isErrorCode(err.code)) {
    return { ...fromStatus(ERROR_STATUS[err.code]), code: err.code };
  }
  return internal();
}
