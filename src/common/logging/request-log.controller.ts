import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Fastify's request logging, reduced to one line per request (method, path, status, duration,
 * request id) instead of two. The health probe is polled constantly, so it logs at debug.
 */
export class RequestLogController extends LogController {
  constructor(private readonly quietPaths: ReadonlySet<string>) {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const path = request.url.split('?')[0] ?? request.url;
    const line = {
      method: request.method,
      path,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request failed');
    else if (this.quietPaths.has(path)) reply.log.debug(line, 'request');
    else reply.log.info(line, 'request');
  }
}
