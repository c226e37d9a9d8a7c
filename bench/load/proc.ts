import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Resource use of another process, read from /proc (Linux). The server runs as a child process so its
 * CPU and memory are measured apart from the load generator's.
 */

// Clock ticks per second for utime/stime in /proc/<pid>/stat; 100 on every Linux we run on.
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) that the process has used so far, or NaN when it cannot be read. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after the closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, so 11 and 12 after the name.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

function statusField(pid: number, name: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Peak resident set size in bytes since start or the last `resetPeakRss`. */
export function peakRssBytes(pid: number): number {
  return statusField(pid, 'VmHWM');
}

export function rssBytes(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/**
 * Resets the peak RSS counter (writing 5 to clear_refs), so a scenario's peak excludes what came
 * before it. Returns false where the kernel does not allow it; the peak then covers the whole life.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
