import {
  Injectable,
  StreamableFile,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { Page } from '../pagination/page.js';
import { successEnvelope } from './envelope.js';
import { RESPONSE_MESSAGE } from './response-message.decorator.js';

/** Wraps every handler result in the success envelope; a `Page` becomes `data.{key}` + `pagination`. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const message = this.reflector.get<string | undefined>(RESPONSE_MESSAGE, ctx.getHandler()) ?? 'Success';
    return next.handle().pipe(
      map((result: unknown) => {
        // A stream (an export) is the response itself, not data to wrap.
        if (result instanceof StreamableFile) return result;
        if (result instanceof Page) {
          return successEnvelope(
            { [result.key]: result.items, ...result.extra },
            req.id,
            message,
            result.meta,
          );
        }
        return successEnvelope(result ?? null, req.id, message);
      }),
    );
  }
}
