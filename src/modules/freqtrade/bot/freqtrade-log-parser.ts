import type { LogLevelName } from '../../../common/logging/log-levels.js';

export interface FreqtradeLogRecord {
  /** From the line itself; bots run with TZ=UTC so it is UTC. Null for lines without a prefix. */
  timestamp: Date | null;
  logger: string | null;
  level: LogLevelName;
  message: string;
}

// `YYYY-MM-DD HH:MM:SS,mmm - <logger> - <LEVEL> - <message>` (freqtrade-reference §5.1).
const LINE =
  /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) - (\S+) - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - (.*)$/;
const MAX_RECORD = 20_000;

/**
 * Turns freqtrade's stderr/stdout into log records. A line without the prefix continues the
 * previous record (a traceback, a wrapped message); text before any record becomes its own INFO
 * record. Feed chunks as they arrive; `flush` returns what is complete.
 */
export class FreqtradeLogParser {
  private pending: FreqtradeLogRecord | null = null;
  private partial = '';

  /** Records completed by this chunk (the last one stays pending: a continuation may follow). */
  push(chunk: string): FreqtradeLogRecord[] {
    const text = this.partial + chunk;
    const lines = text.split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    const done: FreqtradeLogRecord[] = [];
    for (const line of lines) this.line(line, done);
    return done;
  }

  /** Everything still held, e.g. when the process ended or a flush interval passed. */
  flush(): FreqtradeLogRecord[] {
    const done: FreqtradeLogRecord[] = [];
    if (this.partial) {
      this.line(this.partial, done);
      this.partial = '';
    }
    if (this.pending) done.push(this.pending);
    this.pending = null;
    return done;
  }

  private line(raw: string, done: FreqtradeLogRecord[]): void {
    const line = raw.replace(/\s+$/, '');
    const m = LINE.exec(line);
    if (m) {
      if (this.pending) done.push(this.pending);
      this.pending = {
        timestamp: new Date(`${m[1]}T${m[2]}.${m[3]}Z`),
        logger: m[4],
        level: m[5] as LogLevelName,
        message: m[6],
      };
      return;
    }
    if (!line) return;
    if (this.pending) {
      if (this.pending.message.length < MAX_RECORD) this.pending.message += `\n${line}`;
      return;
    }
    this.pending = { timestamp: null, logger: null, level: 'INFO', message: line };
  }
}
