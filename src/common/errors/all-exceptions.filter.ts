import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from '../http/envelope.js';
import { mapError, type MappedError } from './error-mapper.js';

const logger = new Logger('Errors');

/** Writes the error envelope; logs 5xx with their stack and id (the client only gets the id). */
export function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const mapped: MappedError = mapError(err);
  if (mapped.errorId) {
    // A plain object: NestPinoLogger writes its keys as fields, so the id can be searched for.
    logger.error({
      msg: `unhandled error ${mapped.errorId}`,
      error_id: mapped.errorId,
      request_id: req.id,
      method: req.method,
      path: req.url.split('?')[0],
      err,
    });
  }
  const details = mapped.errorId ? { error_id: mapped.errorId } : mapped.details;
  void reply
    .status(mapped.status)
    .headers(mapped.headers)
    .send(errorEnvelope(mapped.code, mapped.message, details, req.id));
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(err: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw err;
    const http = host.switchToHttp();
    sendError(err, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
