#!/usr/bin/env node
// The package registry reachable from our machines answers 404 for platform-specific optional
// packages of other systems (@swc/core-darwin-arm64, …), so `npm install` here leaves them out of
// package-lock.json — and `npm ci` then refuses the lockfile ("Missing: … from lock file").
// This restores an entry for each such package, with the os/cpu its name declares, so npm ci
// accepts the lock and skips them on Linux without fetching. Run it after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = 'package-lock.json';
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;
const OS = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32', 'mips64el'];

function platformOf(name) {
  const tokens = name.split('/').pop().split('-');
  const os = OS.filter((o) => tokens.includes(o));
  let cpu = CPU.filter((c) => tokens.includes(c));
  if (tokens.includes('arm') && cpu.includes('arm64')) cpu = cpu.filter((c) => c !== 'arm');
  const libc = tokens.some((t) => t.startsWith('musl'))
    ? ['musl']
    : tokens.some((t) => t.startsWith('gnu')) && os.includes('linux')
      ? ['glibc']
      : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [dep, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    // npm resolves a dependency next to its parent first, then up the tree.
    const candidates = [`${path ? `${path}/` : ''}node_modules/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => packages[c])) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os.length && !cpu.length) continue; // not a platform package: leave it to npm
    packages[`node_modules/${dep}`] = {
      version: String(spec).replace(/^[\^~=]/, ''),
      ...(cpu.length ? { cpu } : {}),
      ...(meta.dev ? { dev: true } : {}),
      ...(libc ? { libc } : {}),
      optional: true,
      ...(os.length ? { os } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + '\n');
process.stdout.write(`added ${added} platform package entr${added === 1 ? 'y' : 'ies'} to ${LOCK}\n`);
