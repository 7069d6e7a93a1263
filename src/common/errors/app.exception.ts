import { ERROR_MESSAGES, ERROR_STATUS, type ErrorCode } from './error-codes.js';

/** The one exception domain code throws. Its HTTP status comes from ERROR_STATUS at the edge. */
export class AppException extends Error {
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    readonly details?: unknown,
    message?: string,
    headers: Record<string, string> = {},
  ) {
    super(message ?? ERROR_MESSAGES[code]);
    this.name = 'AppException';
    this.headers = headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
