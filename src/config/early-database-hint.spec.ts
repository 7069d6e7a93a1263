import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './app-config.js';
import { earlyEmbeddedHint } from './early-database-hint.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';

describe('earlyEmbeddedHint', () => {
  it('agrees with the validated configuration on the embedded data dir and connections', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'btcw-hint-'));
    try {
      const env = { DATA_DIR: dir, DB_POOL_MAX: '7', EMBEDDED_PG_SHARED_BUFFERS: '16MB' };
      const config = loadConfig(env);
      expect(config.database.mode).toBe('embedded');
      expect(earlyEmbeddedHint(env)).toEqual({
        dataDir: config.database.mode === 'embedded' ? config.database.dataDir : '',
        sharedBuffers: '16MB',
        maxConnections: 12,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives no hint for a real database or values full validation will refuse', () => {
    expect(earlyEmbeddedHint({ DATABASE_URL: 'postgres://x/y' })).toBeNull();
    expect(earlyEmbeddedHint({ EMBEDDED_PG_SHARED_BUFFERS: 'lots' })).toBeNull();
    expect(earlyEmbeddedHint({ DB_POOL_MAX: 'abc' })).toBeNull();
    expect(earlyEmbeddedHint({})).toEqual({
      dataDir: path.resolve('data', 'pgdata'),
      sharedBuffers: '32MB',
      maxConnections: 25,
    });
  });
});
