import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';

/** CPU seconds and resident memory of every process in one process group, from Linux's /proc. */
export interface GroupUsage {
  cpuSeconds: number;
  rssBytes: number;
}

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux ABI Node runs on.
const CLOCK_TICKS = 100;

/** Null where there is no /proc (macOS) or the group has no process left. */
export async function groupUsage(pgid: number): Promise<GroupUsage | null> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  let ticks = 0;
  let rssKb = 0;
  let found = false;
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces and parentheses): state is field 3.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) !== pgid) continue; // field 5, pgrp
      ticks += Number(f[11]) + Number(f[12]); // fields 14, 15: utime, stime
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      rssKb += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      found = true;
    } catch {
      // The process ended between readdir and read.
    }
  }
  return found ? { cpuSeconds: ticks / CLOCK_TICKS, rssBytes: rssKb * 1024 } : null;
}

/**
 * Samples a process group now and then: CPU as percent of one core over the last interval, memory
 * as percent of the machine's.
 */
export class GroupUsageSampler {
  private last: { at: number; cpu: number } | null = null;

  constructor(private readonly pgid: number) {}

  async sample(): Promise<{ cpuPercent: number | null; memoryPercent: number } | null> {
    const u = await groupUsage(this.pgid);
    if (!u) return null;
    const now = performance.now();
    const prev = this.last;
    this.last = { at: now, cpu: u.cpuSeconds };
    const elapsed = prev ? (now - prev.at) / 1000 : 0;
    const cpuPercent = prev && elapsed > 0.2 ? ((u.cpuSeconds - prev.cpu) / elapsed) * 100 : null;
    return {
      cpuPercent: cpuPercent === null ? null : Math.round(Math.max(0, cpuPercent) * 100) / 100,
      memoryPercent: Math.round((u.rssBytes / os.totalmem()) * 10_000) / 100,
    };
  }
}
