import type { LoggerService } from '@nestjs/common';
import type { AppLogger } from './logger.js';

/** Warning-and-above lines are also handed to a sink (the system_logs writer) once one is attached. */
export interface LogSink {
  write(entry: {
    level: 'WARNING' | 'ERROR' | 'CRITICAL';
    message: string;
    module?: string;
    stack?: string;
  }): void;
}

/** Nest's LoggerService on top of pino (nestjs-pino needs Node ≥ 22.12; this is the part we use). */
export class NestPinoLogger implements LoggerService {
  private sink?: LogSink;

  constructor(private readonly logger: AppLogger) {}

  attachSink(sink: LogSink | undefined): void {
    this.sink = sink;
  }

  log(message: unknown, context?: string): void {
    this.logger.info(this.fields(context), this.text(message));
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn(this.fields(context), this.text(message));
    this.sink?.write({ level: 'WARNING', message: this.text(message), module: context });
  }

  error(message: unknown, stackOrContext?: string, context?: string): void {
    const ctx = context ?? (stackOrContext && !stackOrContext.includes('\n') ? stackOrContext : undefined);
    const stack = stackOrContext?.includes('\n')
      ? stackOrContext
      : message instanceof Error
        ? message.stack
        : undefined;
    if (message instanceof Error) this.logger.error({ ...this.fields(ctx), err: message }, message.message);
    else if (isFields(message)) this.logger.error({ ...this.fields(ctx), ...message }, this.text(message));
    else this.logger.error({ ...this.fields(ctx), stack }, this.text(message));
    this.sink?.write({ level: 'ERROR', message: this.text(message), module: ctx, stack });
  }

  fatal(message: unknown, context?: string): void {
    this.logger.fatal(this.fields(context), this.text(message));
    this.sink?.write({ level: 'CRITICAL', message: this.text(message), module: context });
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug(this.fields(context), this.text(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace(this.fields(context), this.text(message));
  }

  private fields(context?: string): Record<string, unknown> {
    return context ? { context } : {};
  }

  private text(message: unknown): string {
    if (typeof message === 'string') return message;
    if (message instanceof Error) return message.message;
    if (isFields(message) && typeof message.msg === 'string') return message.msg;
    return JSON.stringify(message);
  }
}

/** A plain object logged as structured fields (its `msg` is the line's message). */
function isFields(value: unknown): value is Record<string, unknown> & { msg?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}
