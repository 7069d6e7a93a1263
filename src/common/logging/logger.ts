import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../../config/app-config.js';
import { redact } from './redact.js';

export type AppLogger = Logger;

/**
 * The process-wide pino logger. JSON by default; pretty in development. Every object logged is
 * passed through `redact`, so a secret nested anywhere under a secret-looking key never reaches a line.
 */
export function createLogger(
  opts: { level: LogLevel; pretty: boolean },
  destination?: DestinationStream,
): AppLogger {
  return pino(
    {
      level: opts.level,
      base: { service: 'btc-watcher' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redact(obj) as Record<string, unknown>,
      },
      serializers: { err: pino.stdSerializers.err },
      transport:
        opts.pretty && !destination ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
    destination,
  );
}
