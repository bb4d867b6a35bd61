/** What the benchmarks read of a process from /proc (Linux; undefined elsewhere or once it is gone). */
import { readFileSync } from "node:fs";

/** Resident memory, KB. */
export function rssKb(pid: number | undefined): number | undefined {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return kb > 0 ? kb : undefined;
  } catch {
    return undefined; // not Linux, or gone
  }
}

/** Resident memory, MB with one decimal. */
export function rssMb(pid: number | undefined): number | undefined {
  const kb = rssKb(pid);
  return kb === undefined ? undefined : Math.round((kb / 1024) * 10) / 10;
}

/** The process's CPU time so far (user + system, all threads), ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}
