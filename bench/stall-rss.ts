/**
 * Peak RSS of another process (Linux): VmRSS from /proc/<pid>/status sampled every 20 ms, and
 * VmHWM, the kernel's own high-water mark, reset at the start of each window (writing 5 to
 * /proc/<pid>/clear_refs), so a peak shorter than a sample is still seen. Elsewhere: NaN.
 */
import { readFileSync, writeFileSync } from "node:fs";

const SAMPLE_MS = 20;

/** `VmRSS` or `VmHWM` of `pid` in MB (MiB), NaN when unreadable. */
export function statusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export class RssWatch {
  readonly #pid: number;
  #timer: NodeJS.Timeout | undefined;
  #peak = Number.NaN;

  constructor(pid: number) {
    this.#pid = pid;
  }

  /** Open a window: the RSS now, MB. */
  start(): number {
    try {
      writeFileSync(`/proc/${this.#pid}/clear_refs`, "5");
    } catch {
      // not Linux, or not allowed: the samples alone
    }
    const now = statusMb(this.#pid, "VmRSS");
    this.#peak = now;
    clearInterval(this.#timer);
    this.#timer = setInterval(() => {
      const v = statusMb(this.#pid, "VmRSS");
      if (v > this.#peak || Number.isNaN(this.#peak)) this.#peak = v;
    }, SAMPLE_MS);
    return now;
  }

  /** Close the window: its peak RSS, MB. */
  stop(): number {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const hwm = statusMb(this.#pid, "VmHWM");
    return Math.max(this.#peak, Number.isNaN(hwm) ? this.#peak : hwm);
  }
}
