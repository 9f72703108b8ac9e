/**
 * What the benchmarks read of other processes from /proc (Linux): CPU time, peak and
 * proportional memory, child processes.
 */
import fs from 'node:fs';

/**
 * utime + stime of a process, all its threads, and of its children it has reaped (storescp
 * --fork's per-association processes, PostgreSQL's ended backends), from /proc (clock ticks of
 * 1/100 s on Linux). 0 for a process that has ended meanwhile.
 */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0; // ended meanwhile: its parent's reaped-children time has it once it is waited for
  }
  const fields = stat.split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * CPU seconds of a process and of its live children (one level: PostgreSQL's postmaster forks
 * every backend and helper itself). Sampled before and after a push, the difference is what the
 * whole tree spent meanwhile: a child alive at both samples by its own counters, one that ended
 * in between by the parent's reaped-children time (the postmaster waits for each at once).
 */
export function treeCpuSeconds(pid: number): number {
  return childPids(pid).reduce((sum, child) => sum + cpuSeconds(child), cpuSeconds(pid));
}

export function peakRssKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // ended meanwhile
  }
}

/** Proportional set size: private pages plus a share of those shared with other processes. */
export function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // ended meanwhile
  }
}

/** The live child processes of `pid` (every thread's list). */
export function childPids(pid: number): number[] {
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((t) => {
    try {
      return fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}
