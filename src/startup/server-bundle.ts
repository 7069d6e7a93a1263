import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';
import type { EarlyDatabase } from './early-database.js';

/**
 * The server as one file (built by `npm run build` from dist/src/server.js, see
 * scripts/bundle-server.mjs) and a V8 code cache of it. Loading ~2,700 modules one by one was more
 * than half of a start; one script whose functions come precompiled from the cache costs a fraction.
 *
 * The bundle's text is a function expression, `(function (exports, require, module, __filename,
 * __dirname) { … })`, so V8 compiles the file as it is instead of a wrapped copy of several MB. It
 * is CommonJS inside because only a classic script can take a code cache after it has run, and such
 * a cache also holds the functions compiled lazily along the way.
 */
export interface ServerBundleFiles {
  bundle: string;
  codeCache: string;
  /** What the bundle was built from; a bundle older than it is stale. */
  source: string;
}

export const SERVER_BUNDLE_FILES: ServerBundleFiles = {
  bundle: fileURLToPath(new URL('../../server/server.js', import.meta.url)),
  codeCache: fileURLToPath(new URL('../../server/server.v8cache', import.meta.url)),
  source: fileURLToPath(new URL('../server.js', import.meta.url)),
};

export interface ServerBundleExports {
  startServer(early: EarlyDatabase | undefined): void;
  warmUpStartupCode(): Promise<void>;
}

export interface LoadedServerBundle {
  exports: ServerBundleExports;
  /** Whether V8 took the code cache (false without one, or when this node or its flags differ). */
  cacheAccepted: boolean;
  /** Writes a code cache of every function compiled so far. */
  writeCodeCache(): void;
}

function mtimeMs(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * The cache file is the bundle's CRC-32 followed by V8's data. V8 itself checks only its version,
 * its flags and the source's length, so the checksum keeps a cache from being applied to another
 * bundle of the same length.
 */
function readCodeCache(file: string, checksum: number): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  return data.length > 4 && data.readUInt32BE(0) === checksum ? data.subarray(4) : undefined;
}

/**
 * Runs the bundle (its top level only defines modules) and returns its exports; null when there
 * is none (a bare `nest build`, `nest start --watch`) or it is older than the compiled sources,
 * in which case the caller runs those instead.
 */
export function loadServerBundle(
  opts: { useCodeCache?: boolean; files?: ServerBundleFiles } = {},
): LoadedServerBundle | null {
  const files = opts.files ?? SERVER_BUNDLE_FILES;
  const built = mtimeMs(files.bundle);
  if (built === null) return null;
  if ((mtimeMs(files.source) ?? 0) > built) {
    process.stderr.write(
      `${files.bundle} is older than ${files.source}; starting without it (\`npm run build\` rebuilds it)\n`,
    );
    return null;
  }
  const bytes = readFileSync(files.bundle);
  const checksum = crc32(bytes);
  const cachedData = opts.useCodeCache === false ? undefined : readCodeCache(files.codeCache, checksum);
  // The bundle is ASCII (the build escapes everything else): latin1 gives V8 a one-byte string,
  // half the memory of the two-byte one any non-ASCII character would force.
  const script = new vm.Script(bytes.toString('latin1'), { filename: files.bundle, cachedData });
  const module = { exports: {} as ServerBundleExports };
  const factory = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string,
  ) => void;
  factory(module.exports, createRequire(files.bundle), module, files.bundle, path.dirname(files.bundle));
  return {
    exports: module.exports,
    cacheAccepted: cachedData !== undefined && !script.cachedDataRejected,
    writeCodeCache() {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(checksum);
      writeFileSync(files.codeCache, Buffer.concat([header, script.createCachedData()]));
    },
  };
}
