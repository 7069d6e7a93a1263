import path from 'node:path';

/**
 * Where the embedded database lives, read before full validation so `main` can start opening PGlite
 * (~0.5 s) while the validator and the application load. Null when DATABASE_URL is set or the values
 * look wrong; full validation then reports them as usual.
 */
export function earlyEmbeddedHint(
  env: Record<string, string | undefined> = process.env,
): { dataDir: string; sharedBuffers: string; maxConnections: number } | null {
  if (env.DATABASE_URL?.trim()) return null;
  const sharedBuffers = env.EMBEDDED_PG_SHARED_BUFFERS?.trim() || '32MB';
  if (!/^\d+(kB|MB|GB)$/.test(sharedBuffers)) return null;
  const poolMax = Number(env.DB_POOL_MAX?.trim() || 20);
  if (!Number.isInteger(poolMax) || poolMax < 1) return null;
  // As embeddedConnections(): the pool plus a few dedicated connections.
  return {
    dataDir: path.join(path.resolve(env.DATA_DIR?.trim() || './data'), 'pgdata'),
    sharedBuffers,
    maxConnections: poolMax + 5,
  };
}
