import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../../../infra/process/run-command.js';
import { KNOWN_CONSTRAINTS } from './known-constraints.js';

/** What a finished venv records about itself (`.btcw-install.json` next to bin/). */
export interface VenvInstallation {
  version: string;
  venvDir: string;
  bin: string;
  pythonVersion: string;
  ccxtVersion: string | null;
  installedAt: string;
  constrained: boolean;
}

export interface VenvInstallOptions {
  version: string;
  venvDir: string;
  python: string;
  env: Record<string, string>;
  signal?: AbortSignal;
  /** Progress 0–100 (null when unknown) and a line saying what happens. */
  onProgress?: (percent: number | null, message: string) => void;
  /** Extra packages, e.g. aiohttp-socks for SOCKS proxies (always added). */
  extraPackages?: string[];
}

export class InstallError extends Error {
  override name = 'InstallError';
  constructor(
    message: string,
    readonly tail: string[] = [],
  ) {
    super(message);
  }
}

const MARKER = '.btcw-install.json';
const VERSION_RE = /^\d{4}\.\d{1,2}(\.\d+)?$/;
const MIN_PYTHON: [number, number] = [3, 11];

export const venvBin = (venvDir: string) => path.join(venvDir, 'bin', 'freqtrade');

/** The finished installation in `venvDir`, or null when there is none (or only a half-finished one). */
export function readVenvInstallation(venvDir: string): VenvInstallation | null {
  const file = path.join(venvDir, MARKER);
  if (!existsSync(file) || !existsSync(venvBin(venvDir))) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as VenvInstallation;
  } catch {
    return null;
  }
}

/** `freqtrade --version` output → versions (freqtrade-reference §1.4). */
export function parseVersionOutput(out: string): {
  freqtrade: string | null;
  ccxt: string | null;
  python: string | null;
} {
  return {
    freqtrade: /Freqtrade Version:\s*freqtrade\s+(\S+)/.exec(out)?.[1] ?? null,
    ccxt: /CCXT Version:\s*(\S+)/.exec(out)?.[1] ?? null,
    python: /Python Version:\s*Python\s+(\S+)/.exec(out)?.[1] ?? null,
  };
}

/** Reads an existing freqtrade's versions (FREQTRADE_BIN, or to verify an install). */
export async function probeFreqtrade(
  bin: string,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ freqtrade: string; ccxt: string | null; python: string | null }> {
  const r = await runCommand(bin, ['--version'], { env, signal, timeoutMs: 60_000 }).catch((err: Error) => {
    throw new InstallError(`cannot run ${bin}: ${err.message}`);
  });
  const v = parseVersionOutput(r.stdout + r.tail.join('\n'));
  if (r.code !== 0 || !v.freqtrade)
    throw new InstallError(`${bin} --version failed (exit ${r.code ?? r.signal})`, r.tail);
  return { freqtrade: v.freqtrade, ccxt: v.ccxt, python: v.python };
}

async function pythonVersion(python: string, o: VenvInstallOptions): Promise<string> {
  const r = await runCommand(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
    env: o.env,
    signal: o.signal,
    timeoutMs: 30_000,
  }).catch((err: Error) => {
    throw new InstallError(`Python is not available as "${python}" (${err.message}); set FREQTRADE_PYTHON`);
  });
  const v = r.stdout.trim();
  const [major, minor] = v.split('.').map(Number);
  if (r.code !== 0 || !major) throw new InstallError(`"${python}" did not report its version`, r.tail);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1]))
    throw new InstallError(`freqtrade needs Python ${MIN_PYTHON.join('.')} or newer; "${python}" is ${v}`);
  return v;
}

// pip's lines, in the order they come, mapped onto a rough progress bar.
function pipProgress(line: string, state: { collected: number }): number | null {
  if (line.startsWith('Collecting ')) return Math.min(60, 15 + ++state.collected);
  if (line.startsWith('Installing collected packages')) return 70;
  if (line.startsWith('Successfully installed')) return 90;
  return null;
}

/**
 * Creates `venvDir` with `python -m venv`, installs freqtrade==version (constrained to the release's
 * tested pins when known) and verifies it with `freqtrade --version`. A venv is not relocatable, so
 * it is built in place; the marker file is written last, and anything that fails removes the
 * directory — a half-finished venv never looks installed.
 */
export async function installFreqtradeVenv(o: VenvInstallOptions): Promise<VenvInstallation> {
  if (!VERSION_RE.test(o.version))
    throw new InstallError(`"${o.version}" is not a freqtrade version like 2025.8`);
  const report = o.onProgress ?? (() => undefined);
  const existing = readVenvInstallation(o.venvDir);
  if (existing?.version === o.version) {
    report(100, `freqtrade ${o.version} is already installed in ${o.venvDir}`);
    return existing;
  }
  const py = await pythonVersion(o.python, o);
  report(2, `Python ${py}`);
  rmSync(o.venvDir, { recursive: true, force: true });
  mkdirSync(path.dirname(o.venvDir), { recursive: true });
  try {
    report(5, `creating the virtual environment in ${o.venvDir}`);
    const venv = await runCommand(o.python, ['-m', 'venv', o.venvDir], { env: o.env, signal: o.signal });
    if (venv.aborted) throw new InstallError('install cancelled');
    if (venv.code !== 0) throw new InstallError('python -m venv failed', venv.tail);

    const pins = KNOWN_CONSTRAINTS[o.version];
    const args = ['install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off'];
    if (pins) {
      const file = path.join(o.venvDir, 'constraints.txt');
      writeFileSync(file, pins.join('\n') + '\n');
      args.push('-c', file);
    } else {
      report(null, `no tested pins known for ${o.version}: pip resolves the newest compatible dependencies`);
    }
    // The hyperopt extra: training jobs run `freqtrade hyperopt` (scipy, optuna, … pinned above).
    args.push(`freqtrade[hyperopt]==${o.version}`, ...(o.extraPackages ?? ['aiohttp-socks']));
    report(10, `pip ${args.join(' ')}`);
    const state = { collected: 0 };
    const pip = await runCommand(path.join(o.venvDir, 'bin', 'pip'), args, {
      env: o.env,
      signal: o.signal,
      keepLines: 30,
      onLine: (line) => report(pipProgress(line, state), line.slice(0, 500)),
    });
    if (pip.aborted) throw new InstallError('install cancelled');
    if (pip.code !== 0) {
      const reason = pip.tail.find((l) => /^ERROR:/.test(l)) ?? `pip exited with ${pip.code ?? pip.signal}`;
      throw new InstallError(`pip could not install freqtrade ${o.version}: ${reason}`, pip.tail);
    }

    report(95, 'verifying with freqtrade --version');
    const bin = venvBin(o.venvDir);
    const probed = await probeFreqtrade(bin, o.env, o.signal);
    if (probed.freqtrade !== o.version)
      throw new InstallError(`installed freqtrade reports ${probed.freqtrade}, expected ${o.version}`);
    const installation: VenvInstallation = {
      version: o.version,
      venvDir: o.venvDir,
      bin,
      pythonVersion: probed.python ?? py,
      ccxtVersion: probed.ccxt,
      installedAt: new Date().toISOString(),
      constrained: Boolean(pins),
    };
    writeFileSync(path.join(o.venvDir, MARKER), JSON.stringify(installation, null, 2) + '\n');
    report(
      100,
      `freqtrade ${o.version} installed (Python ${installation.pythonVersion}, ccxt ${probed.ccxt})`,
    );
    return installation;
  } catch (err) {
    rmSync(o.venvDir, { recursive: true, force: true });
    throw err;
  }
}
