import { describe, expect, it } from '@jest/globals';
import { AppException } from './app.exception.js';
import { ERROR_MESSAGES, ERROR_STATUS, isErrorCode } from './error-codes.js';

describe('error codes', () => {
  it('every code is UPPER_SNAKE, has a message and a 4xx/5xx status', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(ERROR_MESSAGES[code as keyof typeof ERROR_STATUS]).toEqual(expect.any(String));
    }
  });

  it('AppException takes its status from the table and its message from the defaults', () => {
    const sut = new AppException('TOO_MANY_REQUESTS', { retry_after: 3 }, undefined, { 'Retry-After': '3' });
    expect(sut.status).toBe(429);
    expect(sut.message).toBe('Too many requests');
    expect(sut.headers).toEqual({ 'Retry-After': '3' });
  });

  it('isErrorCode rejects strings outside the table, including inherited keys', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });
});
