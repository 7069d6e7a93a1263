#!/usr/bin/env node
// Second half of `npm run build` (after `nest build`): bundles dist/src/server.js and everything it
// loads into dist/server/server.js, then writes its V8 code cache (dist/server/server.v8cache).
// `node dist/src/main.js` prefers the bundle: a start on PostgreSQL then costs about a quarter of the
// CPU time of loading ~2,700 modules (bench/startup.mjs; src/startup/server-bundle.ts says how it is
// loaded).
//
// The bundle is built from the compiled JavaScript in dist/, so decorator metadata and the Swagger
// plugin's output are exactly those of `nest build`. Rules, each checked below:
// - Packages that find files next to their own code at run time stay outside (EXTERNAL): PGlite
//   (wasm, data), pglite-socket (PGlite's peer), @node-rs/argon2 and the ws add-ons (native),
//   pino (transports run in worker threads from its files), swagger-ui-dist (the UI's assets),
//   ccxt (large, loaded only when market data is first needed). They load from node_modules, so
//   dist/ keeps needing node_modules/ beside it, as it always has.
// - Nest's optional integrations we do not install (microservices, Express, multipart, views) are
//   left as requires that fail only if something ever used them, as they would without a bundle.
// - A package is never both inside the bundle and loaded from node_modules: two copies would keep
//   two metadata stores (class-transformer's is per copy). Nest packages that require() a peer at
//   run time through createRequire(import.meta.url) get that require bundled instead.
// - Bundled code sees its own location: __dirname, __filename and import.meta.url/dirname/filename
//   are rewritten to the original file's place (dist/ and node_modules/ stay beside each other).
import { spawnSync } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const ENTRY = path.join(ROOT, 'dist/src/server.js');
const OUT_DIR = path.join(ROOT, 'dist/server');
const OUT = path.join(OUT_DIR, 'server.js');

const EXTERNAL = [
  '@electric-sql/pglite',
  '@electric-sql/pglite-socket',
  '@node-rs/argon2',
  'bufferutil',
  'utf-8-validate',
  'pino',
  'pino-pretty',
  'swagger-ui-dist',
  'ccxt',
];
/** Optional peers that Nest loads only on request, and that this project does not install. */
const NOT_INSTALLED = [
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/platform-express',
  '@fastify/multipart',
  '@fastify/view',
  // Not a path of class-transformer 0.5: @nestjs/mapped-types tries it after class-transformer/cjs/storage.
  'class-transformer/storage',
];

const posix = (p) => p.split(path.sep).join('/');

/** Rewrites location lookups so that bundled code still sees the file it was written in. */
const keepFileLocations = {
  name: 'keep-file-locations',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?js$/ }, (args) => {
      let code = readFileSync(args.path, 'utf8');
      const file = JSON.stringify(posix(path.relative(OUT_DIR, args.path)));
      const dir = JSON.stringify(posix(path.relative(OUT_DIR, path.dirname(args.path))));
      let changed = false;
      // A peer require()d at run time would be a second copy; a plain require() is bundled.
      const ownRequire = /^const require = createRequire\(import\.meta\.url\);$/m;
      if (ownRequire.test(code)) {
        code = code.replace(ownRequire, '');
        changed = true;
      }
      if (code.includes('import.meta.')) {
        code = code
          .replace(/\bimport\.meta\.url\b/g, `__bundledFileUrl(${file})`)
          .replace(/\bimport\.meta\.filename\b/g, `__bundledPath(${file})`)
          .replace(/\bimport\.meta\.dirname\b/g, `__bundledPath(${dir})`);
        changed = true;
      }
      // CommonJS modules get their own values; a module that declares the names itself keeps them.
      if (/\b__(dirname|filename)\b/.test(code) && !/\b(const|let|var)\s+__(dirname|filename)\b/.test(code)) {
        code = `var __dirname = __bundledPath(${dir}), __filename = __bundledPath(${file});\n${code}`;
        changed = true;
      }
      return changed ? { contents: code, loader: 'js', resolveDir: path.dirname(args.path) } : undefined;
    });
  },
};

rmSync(OUT_DIR, { recursive: true, force: true });
mkdirSync(OUT_DIR, { recursive: true });
const result = await build({
  entryPoints: [ENTRY],
  outfile: OUT,
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // As Node resolves them: "main" for packages without "exports" (class-validator's "module" build
  // would be a second copy next to the CommonJS one its peers require).
  mainFields: ['main'],
  // Dynamic import() cannot run in a vm.Script without an experimental flag; require() can.
  supported: { 'dynamic-import': false },
  // Class names are Swagger schema names, Nest provider names and the names in stack traces.
  keepNames: true,
  // Drops comments and indentation: ~35 % less text to read, hold and parse.
  minifyWhitespace: true,
  charset: 'ascii',
  external: [...EXTERNAL, ...NOT_INSTALLED],
  plugins: [keepFileLocations],
  banner: {
    js: [
      '(function (exports, require, module, __filename, __dirname) {',
      '"use strict";',
      'const __bundledPath = (p) => require("node:path").join(__dirname, p);',
      'const __bundledFileUrl = (p) => require("node:url").pathToFileURL(__bundledPath(p)).href;',
    ].join('\n'),
  },
  footer: { js: '})' },
  metafile: true,
  logLevel: 'warning',
  logOverride: {
    // The Swagger plugin repeats `enum` in some generated literals; the last one wins, as unbundled.
    'duplicate-object-key': 'silent',
    // keepFileLocations rewrote every import.meta it knows; anything left would be empty.
    'empty-import-meta': 'error',
  },
});

// One copy of each package: nothing bundled may also be loaded from node_modules at run time.
const packageOf = (p) => /^((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1];
const bundled = new Set(
  Object.keys(result.metafile.inputs)
    .map((p) => /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p)?.[1])
    .filter(Boolean),
);
const builtins = new Set(builtinModules);
const resolvable = (request) => {
  try {
    createRequire(OUT).resolve(request);
    return true;
  } catch {
    return false;
  }
};
const twice = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const imp of output.imports) {
    // require.resolve() loads nothing; a path that does not exist cannot load a copy.
    if (!imp.external || imp.kind === 'require-resolve') continue;
    if (imp.path.startsWith('node:') || builtins.has(imp.path) || !resolvable(imp.path)) continue;
    const pkg = packageOf(imp.path);
    if (pkg && bundled.has(pkg)) twice.add(pkg);
  }
}
if (twice.size) {
  process.stderr.write(`bundled and also loaded from node_modules at run time: ${[...twice].join(', ')}\n`);
  process.exit(1);
}

// charset 'ascii' leaves regular expressions alone; \u escapes mean the same there, and an ASCII
// file becomes a one-byte string in V8 (half the memory).
const text = readFileSync(OUT, 'utf8');
writeFileSync(
  OUT,
  text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
);

for (const args of [[], ['--check']]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/tools/server-code-cache.js'), ...args], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const size = (f) => `${(readFileSync(f).length / 2 ** 20).toFixed(1)} MB`;
process.stdout.write(
  `bundled ${Object.keys(result.metafile.inputs).length} modules into ${path.relative(ROOT, OUT)} ` +
    `(${size(OUT)}), code cache ${size(path.join(OUT_DIR, 'server.v8cache'))}\n`,
);
