import { earlyEmbeddedHint } from '../config/early-database-hint.js';
import type { EmbeddedPostgres } from '../database/embedded-postgres.js';

/** The embedded database, being opened before the application is loaded. */
export interface EarlyDatabase {
  dataDir: string;
  embedded: Promise<EmbeddedPostgres>;
}

/**
 * Opening PGlite (the longest step of an embedded start) begins first, from a hint read without
 * the validator or the application, so it overlaps with loading them; `startServer` checks the
 * hint against the full configuration. Undefined on PostgreSQL, which never loads PGlite.
 */
export function openEarlyDatabase(): EarlyDatabase | undefined {
  const hint = earlyEmbeddedHint();
  if (!hint) return undefined;
  const embedded = import('../database/embedded-postgres.js').then(({ startEmbeddedPostgres }) =>
    startEmbeddedPostgres(hint.dataDir, hint.maxConnections, hint),
  );
  embedded.catch(() => undefined); // a failure surfaces when the database module awaits it
  return { dataDir: hint.dataDir, embedded };
}
