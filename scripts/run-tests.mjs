#!/usr/bin/env node
// `npm test`: every gate in one run — build, lint, format, typecheck, OpenAPI drift, migration
// drift, unit tests, integration and e2e tests — then one line "N passed, M failed" over all of it
// (each gate counts as one check, each Jest test as one). Real PostgreSQL and Redis are used when
// reachable (TEST_PG_URL / TEST_REDIS_URL, defaulting to the local ones); without them the suites
// that need them are skipped and named. REQUIRE_SERVICES=true turns a missing service into a failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const env = { ...process.env };
const requireServices = env.REQUIRE_SERVICES === 'true';
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

function step(name, cmd, args, extraEnv = {}) {
  const started = Date.now();
  process.stdout.write(`\n=== ${name}: ${[cmd, ...args].join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
  const ok = r.status === 0;
  process.stdout.write(
    `=== ${name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return ok;
}

function gate(name, cmd, args, extraEnv) {
  if (step(name, cmd, args, extraEnv)) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

function probeTcp(url, defaultPort) {
  return new Promise((resolve) => {
    let u;
    try {
      u = new URL(url);
    } catch {
      return resolve(false);
    }
    const socket = net.connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const pgUrl = env.TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = env.TEST_REDIS_URL || 'redis://127.0.0.1:6379/0';
const haveTcpPg = await probeTcp(pgUrl, 5432);
const haveRedis = await probeTcp(redisUrl, 6379);
// A port that answers is not yet a usable server: confirm with a real query.
const havePg =
  haveTcpPg &&
  spawnSync(
    process.execPath,
    [
      '-e',
      `
  const pg = require('pg'); const c = new pg.Client({ connectionString: ${JSON.stringify(pgUrl)}, connectionTimeoutMillis: 3000 });
  c.connect().then(() => c.query('select 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`,
    ],
    { stdio: 'ignore' },
  ).status === 0;

const missing = [];
if (havePg) env.TEST_PG_URL = pgUrl;
else {
  delete env.TEST_PG_URL;
  missing.push(
    `PostgreSQL (${pgUrl} not reachable): real-PostgreSQL suites and the advisory-lock migration test are skipped; e2e runs on embedded PGlite only`,
  );
}
if (haveRedis) env.TEST_REDIS_URL = redisUrl;
else {
  delete env.TEST_REDIS_URL;
  missing.push(
    `Redis (${redisUrl} not reachable): the Redis adapter suite is skipped; caches run in-process`,
  );
}
for (const m of missing) process.stdout.write(`skipping: ${m}\n`);
if (missing.length && requireServices) {
  process.stdout.write('REQUIRE_SERVICES=true: a required service is missing\n');
  failed++;
  failures.push('services');
}

const bin = (name) => path.join('node_modules', '.bin', name);
// The same build as `npm run build`: the e2e suites that spawn dist/src/main.js then run the bundle.
const buildOk =
  step('build', bin('nest'), ['build']) && step('bundle', process.execPath, ['scripts/bundle-server.mjs']);
if (buildOk) passed++;
else {
  failed++;
  failures.push('build');
}
gate('lint', bin('eslint'), ['--max-warnings=0', '.']);
gate('format', bin('prettier'), ['--check', '--log-level=warn', '.']);
gate('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
gate('typecheck examples', bin('tsc'), ['-p', 'tsconfig.examples.json']);
// The real-freqtrade suites need a freqtrade venv: made once into ~/.cache/btc-watcher by the
// product's own installer. A machine that cannot (no Python 3.11+, no package index) skips them.
if (buildOk && !env.FREQTRADE_TEST_BIN) {
  process.stdout.write('\n=== freqtrade for the e2e suites: node scripts/ensure-freqtrade.mjs\n');
  const r = spawnSync(process.execPath, ['scripts/ensure-freqtrade.mjs'], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(r.stdout ?? '');
  const lines = (r.stdout ?? '').trim().split('\n');
  if (r.status === 0) env.FREQTRADE_TEST_BIN = lines[lines.length - 1];
  else {
    const m = 'freqtrade (could not be installed here): the real-freqtrade suites are skipped';
    missing.push(m);
    process.stdout.write(`skipping: ${m}\n`);
    if (requireServices) {
      process.stdout.write('REQUIRE_SERVICES=true: freqtrade is required\n');
      failed++;
      failures.push('freqtrade');
    }
  }
}
// The version-switch suites need a second, newer release next to it (cached the same way, once).
if (buildOk && env.FREQTRADE_TEST_BIN && !env.FREQTRADE_TEST_NEXT_BIN) {
  process.stdout.write(
    '\n=== second freqtrade: FREQTRADE_TEST_VERSION=2025.9 node scripts/ensure-freqtrade.mjs\n',
  );
  const r = spawnSync(process.execPath, ['scripts/ensure-freqtrade.mjs'], {
    env: { ...env, FREQTRADE_TEST_VERSION: '2025.9' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(r.stdout ?? '');
  const lines = (r.stdout ?? '').trim().split('\n');
  if (r.status === 0) env.FREQTRADE_TEST_NEXT_BIN = lines[lines.length - 1];
  else {
    const m = 'freqtrade 2025.9 (could not be installed here): the version-switch suites are skipped';
    missing.push(m);
    process.stdout.write(`skipping: ${m}\n`);
    if (requireServices) {
      process.stdout.write('REQUIRE_SERVICES=true: the second freqtrade is required\n');
      failed++;
      failures.push('freqtrade 2025.9');
    }
  }
}
if (buildOk) {
  gate('openapi drift', process.execPath, ['dist/src/tools/openapi.js', '--check']);
  gate('migration drift', process.execPath, [
    'dist/src/database/tools/migrations-tool.js',
    'check',
    '--admin-url',
    pgUrl,
  ]);
}

const outDir = mkdtempSync(path.join(os.tmpdir(), 'btcw-jest-'));
const report = path.join(outDir, 'report.json');
const jestArgs = [
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
  bin('jest').replace(/\.bin\/jest$/, 'jest/bin/jest.js'),
  '--json',
  `--outputFile=${report}`,
  ...process.argv.slice(2),
];
step('jest (unit, integration, e2e)', process.execPath, jestArgs);
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  // A suite that failed to load has no failed tests of its own: count it.
  const broken = r.testResults.filter(
    (t) => t.status === 'failed' && t.assertionResults.every((a) => a.status !== 'failed'),
  );
  failed += broken.length;
  for (const t of r.testResults.filter((t) => t.status === 'failed'))
    failures.push(path.relative(process.cwd(), t.name));
} catch {
  failed++;
  failures.push('jest (no report)');
}
rmSync(outDir, { recursive: true, force: true });

if (failures.length) process.stdout.write(`\nfailed: ${failures.join(', ')}\n`);
for (const m of missing) process.stdout.write(`skipped: ${m}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed ? 1 : 0);
