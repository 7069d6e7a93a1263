import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { loadServerBundle, type ServerBundleFiles } from './server-bundle.js';

/** A bundle in the shape the build writes: a function expression that fills `module.exports`. */
const bundleText = (answer: number) =>
  `(function (exports, require, module, __filename, __dirname) {
    "use strict";
    const path = require("node:path");
    module.exports = { answer: () => ${answer}, where: () => [path.basename(__filename), __dirname] };
  })`;

interface Probe {
  answer(): number;
  where(): [string, string];
}

describe('loadServerBundle', () => {
  let dir: string;
  let files: ServerBundleFiles;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'btcw-bundle-'));
    files = {
      bundle: path.join(dir, 'server.js'),
      codeCache: path.join(dir, 'server.v8cache'),
      source: path.join(dir, 'source.js'),
    };
    writeFileSync(files.source, '// the compiled entry the bundle was made from');
    const past = new Date(Date.now() - 60_000);
    utimesSync(files.source, past, past);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (useCodeCache?: boolean) => {
    const loaded = loadServerBundle({ files, useCodeCache });
    if (!loaded) throw new Error('no bundle loaded');
    return { loaded, probe: loaded.exports as unknown as Probe };
  };

  it('is null without a bundle, so main starts from the compiled modules', () => {
    expect(loadServerBundle({ files })).toBeNull();
  });

  it('runs the bundle with its own require, __filename and __dirname', () => {
    writeFileSync(files.bundle, bundleText(42));
    const { loaded, probe } = load();
    expect(probe.answer()).toBe(42);
    expect(probe.where()).toEqual(['server.js', dir]);
    expect(loaded.cacheAccepted).toBe(false); // no cache written yet
  });

  it('uses the code cache it wrote, and only with the bundle it was written for', () => {
    writeFileSync(files.bundle, bundleText(42));
    load().loaded.writeCodeCache();
    expect(load().loaded.cacheAccepted).toBe(true);
    expect(load(false).loaded.cacheAccepted).toBe(false);

    // Same length, other code: V8 alone would take the cache (it checks the length); the checksum refuses it.
    writeFileSync(files.bundle, bundleText(43));
    const { loaded, probe } = load();
    expect(loaded.cacheAccepted).toBe(false);
    expect(probe.answer()).toBe(43);
  });

  it('ignores a bundle older than the sources it was built from', () => {
    writeFileSync(files.bundle, bundleText(42));
    const older = new Date(Date.now() - 120_000);
    utimesSync(files.bundle, older, older);
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => stderr.push(chunk) > 0) as typeof process.stderr.write;
    try {
      expect(loadServerBundle({ files })).toBeNull();
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join('')).toContain('is older than');
  });
});
