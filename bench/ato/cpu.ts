import { readFileSync } from 'node:fs';

/** CPU time used so far, in µs: the whole process (every thread), and the main thread alone. */
export interface CpuTime {
  process: number;
  /** From /proc on Linux; NaN elsewhere. */
  main: number;
}

// Clock ticks per second of /proc's utime and stime; 100 on every Linux this runs on.
const ticksPerSecond = 100;

function mainThreadMicros(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

export function cpuNow(): CpuTime {
  const usage = process.cpuUsage();
  return { process: usage.user + usage.system, main: mainThreadMicros() };
}

/** CPU µs per operation between two readings. */
export function cpuPer(from: CpuTime, to: CpuTime, operations: number): CpuTime {
  return { process: (to.process - from.process) / operations, main: (to.main - from.main) / operations };
}
