/**
 * The only place an error code meets an HTTP status. Services throw `AppException(code)`;
 * the global filter looks the status up here. Adding a code without a status does not compile.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  UNAUTHORIZED: 401,
  TOKEN_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_REFRESH_TOKEN: 401,
  SESSION_REVOKED: 401,
  FORBIDDEN: 403,
  REGISTRATION_DISABLED: 403,
  NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INVALID_CURRENT_PASSWORD: 400,
  USERNAME_TAKEN: 409,
  EMAIL_TAKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  DATABASE_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<
  string,
  400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504
>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Default human-readable messages; a thrower may give a more specific one. */
export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'Request validation failed',
  BAD_REQUEST: 'Bad request',
  INVALID_JSON: 'Request body is not valid JSON',
  UNAUTHORIZED: 'Authentication required',
  TOKEN_EXPIRED: 'Access token has expired',
  INVALID_CREDENTIALS: 'Invalid username or password',
  INVALID_REFRESH_TOKEN: 'Refresh token is invalid or expired',
  SESSION_REVOKED: 'Session has been revoked',
  FORBIDDEN: 'You do not have permission to do this',
  REGISTRATION_DISABLED: 'Registration is disabled',
  NOT_FOUND: 'Resource not found',
  USER_NOT_FOUND: 'User not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  INVALID_CURRENT_PASSWORD: 'Current password is incorrect',
  USERNAME_TAKEN: 'Username is already taken',
  EMAIL_TAKEN: 'Email is already registered',
  PAYLOAD_TOO_LARGE: 'Request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
  TOO_MANY_REQUESTS: 'Too many requests',
  INTERNAL_ERROR: 'Internal server error',
  DATABASE_UNAVAILABLE: 'Database is unavailable',
  SERVICE_UNAVAILABLE: 'Service is unavailable',
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}
