/** Long-running child processes for the package test: start, wait for a sign of readiness, stop. */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

export interface Output {
  stdout: string;
  stderr: string;
}

export interface Running<T = unknown> {
  /** Resolves with what `ready` first returned truthy for; rejects when the process exits first. */
  ready: Promise<T>;
  /** SIGINT, then the exit code (SIGKILL after 20 s). */
  stop(): Promise<number | null>;
  output: Output;
}

export function spawnUntil<T extends object>(
  cmd: string,
  args: string[],
  options: SpawnOptions,
  ready: (out: Output) => T | null | undefined,
  timeoutMs = 60_000,
): Running<T> {
  const child: ChildProcess = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  const output: Output = { stdout: "", stderr: "" };
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const readyP = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${cmd} ${args.join(" ")}: not ready in ${timeoutMs} ms\n${dump()}`)),
      timeoutMs,
    );
    const check = () => {
      const found = ready(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout?.on("data", (d) => {
      output.stdout += d;
      check();
    });
    child.stderr?.on("data", (d) => {
      output.stderr += d;
      check();
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(" ")} exited (${code}) before it was ready\n${dump()}`));
    });
  });
  const dump = () => `stdout:\n${output.stdout}\nstderr:\n${output.stderr}`;
  return {
    ready: readyP,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGINT");
        const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
        const code = await exited;
        clearTimeout(kill);
        return code;
      }
      return exited;
    },
  };
}

/** Polls `probe` until it returns a value (not undefined); rejects after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
