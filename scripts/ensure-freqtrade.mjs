#!/usr/bin/env node
// Makes sure a freqtrade venv for the tests exists in ~/.cache/btc-watcher/freqtrade/, keyed by the
// version and its pins, using the product's own installer (from the build). Prints the executable's
// path as the last line; exits 3 when this machine cannot install it (no Python ≥ 3.11, no index).
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

const dist = path.resolve(import.meta.dirname, '../dist/src/modules/freqtrade/install');
const { installFreqtradeVenv, readVenvInstallation, InstallError } = await import(
  path.join(dist, 'venv-installer.js')
);
const { KNOWN_CONSTRAINTS } = await import(path.join(dist, 'known-constraints.js'));

const version = process.env.FREQTRADE_TEST_VERSION || '2025.8';
const pins = createHash('sha256')
  .update(JSON.stringify(KNOWN_CONSTRAINTS[version] ?? []))
  .digest('hex')
  .slice(0, 10);
const root = process.env.BTCW_CACHE_DIR || path.join(os.homedir(), '.cache', 'btc-watcher');
const venvDir = path.join(root, 'freqtrade', `${version}-${pins}`, 'venv');

const existing = readVenvInstallation(venvDir);
if (existing) {
  process.stdout.write(`freqtrade ${version} cached in ${venvDir}\n${existing.bin}\n`);
  process.exit(0);
}
const started = Date.now();
const env = Object.fromEntries(
  ['PATH', 'HOME', 'LANG', 'TMPDIR', 'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_CACHE_DIR']
    .filter((k) => process.env[k] !== undefined)
    .map((k) => [k, process.env[k]]),
);
try {
  let last = -1;
  const done = await installFreqtradeVenv({
    version,
    venvDir,
    python: process.env.FREQTRADE_PYTHON || 'python3',
    env,
    onProgress: (pct, msg) => {
      // Only the milestones: pip's every line would drown the test output.
      if (pct !== null && pct >= last + 10) {
        last = pct;
        process.stdout.write(`[${pct}%] ${msg}\n`);
      }
    },
  });
  process.stdout.write(`installed in ${((Date.now() - started) / 1000).toFixed(0)} s\n${done.bin}\n`);
} catch (err) {
  process.stderr.write(`cannot install freqtrade ${version}: ${err.message}\n`);
  if (err instanceof InstallError && err.tail.length)
    process.stderr.write(err.tail.slice(-10).join('\n') + '\n');
  process.exit(3);
}
