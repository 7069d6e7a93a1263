import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

interface Pending {
  ids: string[];
  times: Date[];
  done: Promise<void>;
}

/**
 * The markers that a signal's notifications were decided (notification_decisions). A decision with
 * rows claims its marker in the rows' transaction; a decision to tell nobody — most signals at
 * ingest rates — is queued and written with the others of the same tick in one statement: losing
 * such a marker to a crash only means the sweep decides that signal again, to the same effect.
 */
@Injectable()
export class NotificationDecisions {
  private pending: Pending | null = null;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Whether this transaction took the signal's decision (false: someone already had). */
  async claim(tx: EntityManager, signalId: string, signalTime: Date): Promise<boolean> {
    const rows = (await tx.query(
      `INSERT INTO notification_decisions (signal_id, signal_time) VALUES ($1, $2)
       ON CONFLICT (signal_id) DO NOTHING RETURNING signal_id`,
      [signalId, signalTime],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Records "nobody to tell"; resolves once written. */
  recordNone(signalId: string, signalTime: Date): Promise<void> {
    if (!this.pending) {
      const batch: Pending = { ids: [], times: [], done: Promise.resolve() };
      batch.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pending = null;
        return this.insertMany(batch.ids, batch.times);
      });
      this.pending = batch;
    }
    this.pending.ids.push(signalId);
    this.pending.times.push(signalTime);
    return this.pending.done;
  }

  async insertMany(ids: string[], times: Date[]): Promise<void> {
    if (!ids.length) return;
    await this.db.query(
      `INSERT INTO notification_decisions (signal_id, signal_time)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) ON CONFLICT (signal_id) DO NOTHING`,
      [ids, times],
    );
  }

  /** Those of `ids` already decided. */
  async decided(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = (await this.db.query(
      `SELECT signal_id FROM notification_decisions WHERE signal_id = ANY($1::uuid[])`,
      [ids],
    )) as { signal_id: string }[];
    return new Set(rows.map((r) => r.signal_id));
  }

  /** Markers of candles older than the sweep looks at. */
  async prune(before: Date): Promise<number> {
    const [, n] = (await this.db.query(`DELETE FROM notification_decisions WHERE signal_time < $1`, [
      before,
    ])) as [unknown[], number];
    return n;
  }
}
