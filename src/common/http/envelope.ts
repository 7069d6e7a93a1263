import type { ErrorCode } from '../errors/error-codes.js';

export interface PaginationMeta {
  page: number;
  page_size: number;
  total: number;
  total_pages: number;
  /** Only on lists that cap their count: true when there are more than `total` matches. */
  total_is_lower_bound?: boolean;
}

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  message: string;
  timestamp: string;
  request_id: string;
  pagination?: PaginationMeta;
}

export interface ErrorEnvelope {
  success: false;
  error: { code: ErrorCode; message: string; details: unknown };
  timestamp: string;
  request_id: string;
}

/** ISO-8601 UTC with Z and second precision, as the spec shows (2024-01-15T14:25:30Z). */
export function wireTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function successEnvelope<T>(
  data: T,
  requestId: string,
  message = 'Success',
  pagination?: PaginationMeta,
): SuccessEnvelope<T> {
  return {
    success: true,
    data,
    message,
    timestamp: wireTimestamp(),
    request_id: requestId,
    ...(pagination ? { pagination } : {}),
  };
}

export function errorEnvelope(
  code: ErrorCode,
  message: string,
  details: unknown,
  requestId: string,
): ErrorEnvelope {
  return {
    success: false,
    error: { code, message, details: details ?? null },
    timestamp: wireTimestamp(),
    request_id: requestId,
  };
}
