/**
 * Writes openapi/openapi.json from the application's routes and DTOs (no database needed: the
 * app is built in preview mode). With --check, compares instead and exits 1 on drift.
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../app.factory.js';
import { buildOpenApiDocument } from '../common/swagger/openapi-document.js';
import { loadConfig } from '../config/app-config.js';

export const OPENAPI_FILE = path.resolve('openapi/openapi.json');

export async function generateOpenApi(): Promise<string> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'btcw-openapi-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const { app } = await createApp(config, { preview: true });
    const doc = buildOpenApiDocument(app);
    await app.close();
    return JSON.stringify(doc, null, 2) + '\n';
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const next = await generateOpenApi();
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(OPENAPI_FILE, 'utf8');
    } catch {
      /* missing counts as drift */
    }
    if (current !== next) {
      process.stderr.write('openapi/openapi.json is stale: run `npm run openapi` and commit the result\n');
      return 1;
    }
    process.stdout.write('openapi/openapi.json is up to date\n');
    return 0;
  }
  writeFileSync(OPENAPI_FILE, next);
  process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
