import { statfs } from 'node:fs/promises';
import os from 'node:os';

interface CpuSnapshot {
  idle: number;
  total: number;
}

function snapshot(): CpuSnapshot {
  let idle = 0;
  let total = 0;
  for (const c of os.cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
  }
  return { idle, total };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Host CPU (since the previous call), memory and disk usage, from the OS alone. */
export class HostMetrics {
  private last = snapshot();
  private lastCpu = 0;

  cpuPercent(): number {
    const now = snapshot();
    const total = now.total - this.last.total;
    // Too short an interval says nothing; keep the previous reading.
    if (total >= 50) {
      this.lastCpu = round1(100 * (1 - (now.idle - this.last.idle) / total));
      this.last = now;
    }
    return this.lastCpu;
  }

  memoryPercent(): number {
    return round1(100 * (1 - os.freemem() / os.totalmem()));
  }

  async diskPercent(dir: string): Promise<number | null> {
    try {
      const s = await statfs(dir);
      const used = s.blocks - s.bfree;
      const usable = used + s.bavail;
      return usable > 0 ? round1((100 * used) / usable) : null;
    } catch {
      return null;
    }
  }
}
