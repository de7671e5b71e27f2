/**
 * Process figures from Linux's /proc for benchmarks and tests: CPU time, resident memory, parent and children of a
 * process. Elsewhere (no /proc) every function answers "nothing" (null or []).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

const PAGE_SIZE = 4096; // bytes per page of /proc/<pid>/stat's rss on x86-64 and arm64 Linux

/**
 * utime + stime of a process in seconds, its resident set in MiB, its parent pid and state letter (/proc/<pid>/stat
 * fields 14, 15, 24, 4 and 3; `Z` is a zombie); null when gone.
 */
export function procStat(pid: number): { cpuS: number; rssMiB: number; ppid: number; state: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return { cpuS: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS, rssMiB: (Number(f[21]) * PAGE_SIZE) / 2 ** 20, ppid: Number(f[1]), state: f[0]! };
  } catch {
    return null;
  }
}

/** The live processes whose parent is `pid`. */
export function childPids(pid: number): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      const s = procStat(p);
      return s?.ppid === pid && s.state !== 'Z';
    });
}
