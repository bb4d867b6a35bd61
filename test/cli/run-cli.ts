/** Run the CLI from source in a child process, with its own WXAGENT_HOME. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnMain(args: string[], env: Record<string, string>) {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env: { ...process.env, WXAGENT_LOG_LEVEL: "warn", WXAGENT_LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnMain(args, env);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`wxagent ${args.join(" ")} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface CliDaemon {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`; rejects when the process exits first or after `timeoutMs`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** The exit code, once it exits by itself. */
  exited(): Promise<number | null>;
  /** SIGINT, then the exit code. */
  stop(): Promise<number | null>;
}

/** A long-running command (`wxagent start`) in a child process, with its own WXAGENT_HOME. */
export function spawnCli(args: string[], env: Record<string, string>): CliDaemon {
  const child = spawnMain(args, env);
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(text, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!out.includes(text)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${out}\n${err}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`wxagent ${args.join(" ")} exited before printing "${text}":\n${out}\n${err}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout.off("data", check);
          child.off("close", onExit);
        };
        child.stdout.on("data", check);
        child.once("close", onExit);
        check();
      });
    },
    exited: () => exited,
    async stop() {
      if (child.exitCode === null) child.kill("SIGINT");
      return exited;
    },
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Poll `read` until `done` holds of its value (a state another process reaches), or fail with the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`not reached within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}
