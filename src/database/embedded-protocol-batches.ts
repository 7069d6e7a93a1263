import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** The part of pglite-socket's (private, unexported) query queue this workaround relies on. */
interface QueryQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
}

/** Frontend messages whose effect lasts until the client's Sync: Parse, Bind, Describe, Execute, Close. */
const UNTIL_SYNC = new Set(['P', 'B', 'D', 'E', 'C'].map((c) => c.charCodeAt(0)));

/**
 * Makes pglite-socket hand PGlite each connection's extended-protocol batch whole.
 *
 * Why: every socket connection shares the one PGlite session. pglite-socket queues single protocol
 * messages from all connections and keeps one connection's messages together only while
 * `db.isInTransaction()`. A parameterised query is Parse/Bind/Describe/Execute/Sync on the session's
 * unnamed statement and portal, outside any transaction between those messages, so two pooled
 * connections' batches interleaved: B's Parse replaced A's statement before A's Bind ("unnamed
 * prepared statement does not exist", bind errors, or another query's rows). Upstream:
 * https://github.com/electric-sql/pglite/issues/1046 (open; PR #977 is a fix in the package).
 *
 * How: a connection's Parse/Bind/Describe/Execute/Close are kept aside (and acknowledged to the
 * handler at once, so it goes on reading its socket) until the message that ends the batch — Sync,
 * or anything else (simple Query, Terminate, Flush...) — then all of them enter the queue as one
 * entry, which PGlite runs in one call. Nothing else changes: transaction pinning stays
 * pglite-socket's, and no lock is added, so no new wait can form — a batch only waits for its own
 * Sync, which node-postgres writes with the rest. (A Flush, which node-postgres sends only when a
 * cursor pages rows, ends a batch early; the application uses no cursors.)
 *
 * The queue is private to pglite-socket (pinned at an exact version in package.json); if its shape
 * changes this throws at start-up rather than serving sessions that interleave.
 */
export function batchExtendedProtocol(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: Partial<QueryQueue> }).queryQueue;
  if (typeof queue?.enqueue !== 'function' || typeof queue.clearQueueForHandler !== 'function') {
    throw new Error(
      'pglite-socket no longer has the query queue BTC Watcher patches (electric-sql/pglite#1046): re-check src/database/embedded-protocol-batches.ts',
    );
  }
  const enqueue = queue.enqueue.bind(queue);
  const clearQueueForHandler = queue.clearQueueForHandler.bind(queue);
  const held = new Map<number, Uint8Array[]>();

  queue.enqueue = (handlerId, message, onData) => {
    const batch = held.get(handlerId);
    if (UNTIL_SYNC.has(message[0] ?? -1)) {
      if (batch) batch.push(message);
      else held.set(handlerId, [message]);
      return Promise.resolve(0);
    }
    if (!batch) return enqueue(handlerId, message, onData);
    held.delete(handlerId);
    batch.push(message);
    return enqueue(handlerId, Buffer.concat(batch), onData);
  };
  queue.clearQueueForHandler = (handlerId) => {
    held.delete(handlerId);
    clearQueueForHandler(handlerId);
  };
}
