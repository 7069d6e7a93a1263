import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs the code a start runs, short of a database and a port: loads the configuration and builds the
 * application in preview mode (modules, routes, Fastify, without instantiating providers). Only the
 * build uses it: a V8 code cache taken afterwards holds the functions compiled on the way, so a real
 * start does not compile them again (see `server-bundle.ts`).
 */
export async function warmUpStartupCode(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'btcw-warm-up-'));
  try {
    // The same modules, in the same way, as `main` in server.ts loads them.
    const [{ loadConfig }, { createApp }] = await Promise.all([
      import('../config/app-config.js'),
      import('../app.factory.js'),
      import('../common/logging/redact.js'),
    ]);
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const { app } = await createApp(config, { preview: true });
    await app.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
