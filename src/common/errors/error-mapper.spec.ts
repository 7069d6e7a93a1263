import { describe, expect, it } from '@jest/globals';
import { BadRequestException, NotFoundException, InternalServerErrorException } from '@nestjs/common';
import { AppException } from './app.exception.js';
import { mapError } from './error-mapper.js';

describe('mapError', () => {
  it('AppException keeps code, details and headers', () => {
    const m = mapError(
      new AppException('TOO_MANY_REQUESTS', { retry_after: 7 }, undefined, { 'Retry-After': '7' }),
    );
    expect(m).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS', details: { retry_after: 7 } });
    expect(m.headers['Retry-After']).toBe('7');
    expect(m.errorId).toBeUndefined();
  });

  it('Nest HTTP exceptions get a code derived from their status', () => {
    expect(mapError(new NotFoundException('Cannot GET /x'))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      message: 'Cannot GET /x',
    });
    expect(mapError(new BadRequestException())).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });

  it('fastify parser errors map to their own codes', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(mapError(tooLarge)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const badJson = Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 });
    expect(mapError(badJson)).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    const media = Object.assign(new Error('x'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
    expect(mapError(media)).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('anything else is a 500 with a fresh error id and no message leak', () => {
    const m = mapError(new Error('connection string postgres://u:p@h leaked'));
    expect(m).toMatchObject({ status: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' });
    expect(m.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(mapError(new InternalServerErrorException('secret detail')).message).toBe('Internal server error');
    expect(mapError('a string').code).toBe('INTERNAL_ERROR');
  });
});

describe('mapError with errors Nest wrapped', () => {
  it('unwraps the Fastify error Nest put in an HttpException cause', async () => {
    const { HttpException } = await import('@nestjs/common');
    const cause = Object.assign(new Error('Body is not valid JSON'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    expect(mapError(new HttpException(cause.message, 400, { cause }))).toMatchObject({
      status: 400,
      code: 'INVALID_JSON',
    });
  });
});

describe('mapError for deliberate server-side failures', () => {
  it('a 503 AppException keeps its code and details and gets no error id', () => {
    const m = mapError(new AppException('FREQTRADE_NOT_INSTALLED', { hint: 'install it' }));
    expect(m).toMatchObject({
      status: 503,
      code: 'FREQTRADE_NOT_INSTALLED',
      details: { hint: 'install it' },
    });
    expect(m.errorId).toBeUndefined();
  });
});
