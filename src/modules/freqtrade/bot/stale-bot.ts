import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { killGroup } from '../../../infra/process/run-command.js';

const pidFile = (workdir: string) => path.join(workdir, 'bot.pid');

export function recordBotPid(workdir: string, pid: number | undefined): void {
  if (pid) writeFileSync(pidFile(workdir), `${pid}\n`);
}

export function forgetBotPid(workdir: string): void {
  rmSync(pidFile(workdir), { force: true });
}

/** True when `pid` is a live `freqtrade trade` started with this workdir's config. */
function isOurBot(pid: number, configFile: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(configFile);
  } catch {
    return false;
  }
}

/**
 * A bot left running by a BTC Watcher that was killed without its shutdown (kill -9, power loss):
 * bots run in their own process group, so they outlive us. Before a new start, the old one goes —
 * identified by its pid file and its command line, so an unrelated process that reused the pid is
 * never touched. Linux only (/proc); elsewhere nothing is found.
 */
export async function killStaleBot(workdir: string, configFile: string): Promise<number | null> {
  const file = pidFile(workdir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  forgetBotPid(workdir);
  if (!Number.isInteger(pid) || pid <= 1 || !isOurBot(pid, configFile)) return null;
  killGroup(pid, 'SIGKILL');
  for (let i = 0; i < 100 && isOurBot(pid, configFile); i++) await new Promise((r) => setTimeout(r, 50));
  return pid;
}
