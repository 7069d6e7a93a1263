/**
 * Writes the V8 code cache of the server bundle (a step of `npm run build`, after
 * scripts/bundle-server.mjs has written the bundle): loads the bundle, runs the start-up code that
 * needs no database (warmUpStartupCode) and saves what V8 compiled on the way. With --check, loads
 * the bundle with that cache in this fresh process and exits 1 when V8 refuses it.
 */
import { parseArgs } from 'node:util';
import { SERVER_BUNDLE_FILES, loadServerBundle } from '../startup/server-bundle.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const bundle = loadServerBundle({ useCodeCache: values.check });
  if (!bundle) {
    process.stderr.write(`${SERVER_BUNDLE_FILES.bundle} is missing or stale: run \`npm run build\`\n`);
    return 1;
  }
  if (values.check) {
    if (bundle.cacheAccepted) return 0;
    process.stderr.write(`V8 refused ${SERVER_BUNDLE_FILES.codeCache}; the server would start without it\n`);
    return 1;
  }
  await bundle.exports.warmUpStartupCode();
  bundle.writeCodeCache();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
