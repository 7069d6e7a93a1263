import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { AppException } from '../../../common/errors/app.exception.js';
import type { JsonObject } from '../../../common/types/json.js';
import { runCommand } from '../../../infra/process/run-command.js';
import { redactSecrets } from './log-redaction.js';
import { writeParamsFile } from '../strategy-params-file.js';
import type { StrategyRunSpec } from '../../strategies/strategy-runtime.port.js';

export interface BotWorkdir {
  dir: string;
  strategyDir: string;
  userDataDir: string;
  configFile: string;
}

export function botWorkdir(dataDir: string, strategyId: number): BotWorkdir {
  const dir = path.join(dataDir, 'freqtrade', 'bots', String(strategyId));
  return {
    dir,
    strategyDir: path.join(dir, 'strategy'),
    userDataDir: path.join(dir, 'user_data'),
    configFile: path.join(dir, 'config.json'),
  };
}

/**
 * Puts the version's source alone into the strategy directory (freqtrade imports every .py file it
 * finds there) and creates user_data once with `freqtrade create-userdir`.
 */
export async function prepareWorkdir(
  w: BotWorkdir,
  spec: StrategyRunSpec,
  className: string,
  bin: string,
  env: Record<string, string>,
): Promise<void> {
  mkdirSync(w.dir, { recursive: true, mode: 0o700 });
  chmodSync(w.dir, 0o700);
  rmSync(w.strategyDir, { recursive: true, force: true });
  mkdirSync(w.strategyDir, { recursive: true });
  if (spec.source !== null) {
    writeFileSync(path.join(w.strategyDir, `${className}.py`), spec.source);
  } else if (spec.sourceFile) {
    copyFileSync(spec.sourceFile, path.join(w.strategyDir, path.basename(spec.sourceFile)));
  } else {
    throw new AppException('STRATEGY_LOAD_FAILED', {
      reason: 'the strategy has neither a source nor a file',
    });
  }
  // The version's parameters (e.g. applied from a training job) reach freqtrade as its parameter file.
  const stem = spec.source !== null ? className : path.basename(spec.sourceFile!, '.py');
  await writeParamsFile(w.strategyDir, className, spec.parameters, stem);
  if (!existsSync(path.join(w.userDataDir, 'strategies'))) {
    const r = await runCommand(bin, ['create-userdir', '--userdir', w.userDataDir], {
      env,
      timeoutMs: 120_000,
    });
    if (r.code !== 0) throw new Error(`freqtrade create-userdir failed: ${r.tail.slice(-5).join(' | ')}`);
    // The template strategy would be imported next to ours on every start; nothing needs it.
    for (const f of readdirSync(path.join(w.userDataDir, 'strategies'))) {
      if (f.endsWith('.py')) rmSync(path.join(w.userDataDir, 'strategies', f));
    }
  }
}

/** The config holds the API credentials: written 0600, replaced atomically. */
export function writeBotConfig(w: BotWorkdir, config: JsonObject): void {
  const tmp = `${w.configFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2), { mode: 0o600 });
  rmSync(w.configFile, { force: true });
  copyFileSync(tmp, w.configFile);
  chmodSync(w.configFile, 0o600);
  rmSync(tmp, { force: true });
}

const IMPORT_FAILURE = /Could not import (.+?) due to '(.*)'$/;

/**
 * `freqtrade list-strategies -1` lists the classes that import; a class missing from it failed to
 * load, and freqtrade's WARNING line says why (freqtrade-reference §6.1). → 422 STRATEGY_LOAD_FAILED.
 */
export async function checkStrategyLoads(
  w: BotWorkdir,
  className: string,
  bin: string,
  env: Record<string, string>,
): Promise<void> {
  // The check costs ~2 s (a Python start importing freqtrade); a restart of an unchanged source
  // with the same freqtrade skips it.
  const hash = createHash('sha256').update(`${bin}\0${className}`);
  for (const f of readdirSync(w.strategyDir).sort())
    hash.update(`\0${f}\0`).update(readFileSync(path.join(w.strategyDir, f)));
  const key = hash.digest('hex');
  const marker = path.join(w.dir, '.load-checked');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === key) return;
  await listStrategies(w, className, bin, env);
  writeFileSync(marker, key);
}

async function listStrategies(
  w: BotWorkdir,
  className: string,
  bin: string,
  env: Record<string, string>,
): Promise<void> {
  const r = await runCommand(
    bin,
    ['list-strategies', '--userdir', w.userDataDir, '--strategy-path', w.strategyDir, '-1', '--no-color'],
    { env: { ...env, TZ: 'UTC', COLUMNS: '100000' }, cwd: w.dir, timeoutMs: 120_000, keepLines: 60 },
  );
  const listed = r.stdout.split('\n').map((l) => l.trim());
  if (r.code === 0 && listed.includes(className)) return;
  const reasons = r.tail
    .map((l) => IMPORT_FAILURE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${path.basename(m[1])}: ${m[2]}`);
  const fatal = r.tail
    .filter((l) => / - (ERROR|CRITICAL) - /.test(l))
    .map((l) => l.replace(/^.* - (ERROR|CRITICAL) - /, ''));
  const reason =
    reasons[0] ??
    (fatal.length ? fatal.join('; ') : null) ??
    (r.code === 0 ? `class ${className} was not found in the strategy source` : `exit code ${r.code}`);
  throw new AppException('STRATEGY_LOAD_FAILED', {
    strategy_class: className,
    reason,
    freqtrade_output: redactSecrets(r.tail.slice(-15).join('\n')),
  });
}
