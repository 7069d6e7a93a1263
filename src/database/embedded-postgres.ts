import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { batchExtendedProtocol } from './embedded-protocol-batches.js';

export interface EmbeddedPostgres {
  /** A postgres:// URL on a loopback port, so the ordinary `pg` driver and migrations run unchanged. */
  readonly url: string;
  /** PGlite's own dump of the data directory (a gzipped tarball), for backups. */
  dumpDataDir(): Promise<Blob>;
  close(): Promise<void>;
}

/**
 * Opens (or creates) the PGlite data directory and serves it on 127.0.0.1:<free port>.
 * PGlite is a single database session behind every socket connection: transactions are
 * serialised by pglite-socket's queue, so code must never await another pooled connection
 * while it holds a transaction. Extended-protocol batches are kept whole per connection by
 * batchExtendedProtocol.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  maxConnections: number,
  opts: { sharedBuffers?: string } = {},
): Promise<EmbeddedPostgres> {
  const inMemory = dataDir.startsWith('memory://');
  const releaseLock = inMemory ? () => undefined : lockDataDir(dataDir);
  // PGlite writes this into the data dir's postgresql.conf; 128MB (its default) costs ~130 MB RSS more.
  const postgresqlconf = `shared_buffers = ${opts.sharedBuffers ?? '32MB'}\n`;
  const db = await PGlite.create(inMemory ? undefined : dataDir, { postgresqlconf }).catch((err: unknown) => {
    releaseLock();
    throw err;
  });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  try {
    // Each connection's Parse..Sync must reach the shared session whole (electric-sql/pglite#1046).
    batchExtendedProtocol(server);
    await server.start();
  } catch (err) {
    await db.close();
    releaseLock();
    throw err;
  }
  const [, port] = server.getServerConn().split(':');
  let closed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dumpDataDir: () => db.dumpDataDir('gzip'),
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
      releaseLock();
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite must never be opened by two processes at once (the server and `npm run cli`, say): it
 * would corrupt the data directory. A pid file guards it; a stale one (its process gone after a
 * kill -9) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.pid`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner && owner !== process.pid && alive(owner)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${owner}; stop it first (or use its HTTP API)`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}
