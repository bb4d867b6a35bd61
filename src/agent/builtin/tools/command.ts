/**
 * run_command: `sh -c` in the workspace inside the OS sandbox (src/shared/sandbox: bubblewrap on
 * Linux, sandbox-exec on macOS) with the contact's policy (see sandbox.ts), in its own process
 * group so a timeout or `/stop` kills the whole tree, with output capped. Without a sandbox a
 * non-owner's command is refused; the owner's (and a `"sandbox": "off"` full contact's) runs as
 * the gateway's user with an environment stripped of secrets by name (`safeEnv`).
 */
import { spawn } from "node:child_process";
import { tool } from "ai";
import { z } from "zod";
import { createLogger } from "../../../util/logger.js";
import { capText, type ToolContext } from "./context.js";
import { prepareCommand } from "./sandbox.js";

const SECRET_NAME =
  /(_KEY$|^KEY$|_TOKEN$|^TOKEN$|SECRET|PASSWORD|PASSWD|CREDENTIAL|(^|_)AUTH($|_)|^WXAGENT_)/i;
const PROVIDER_KEYS = [
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "DEEPSEEK_API_KEY",
  "DASHSCOPE_API_KEY",
  "MOONSHOT_API_KEY",
  "ZHIPUAI_API_KEY",
  "OPENROUTER_API_KEY",
];

/**
 * The environment for commands: drops *_KEY, *_TOKEN, *SECRET*, *PASSWORD*, *CREDENTIAL*, AUTH
 * variables, WXAGENT_*, the provider keys, any extra names given (e.g. agent.apiKeyEnv), and any
 * variable whose value equals one of `secretValues` (a key stored under an innocent name).
 */
export function safeEnv(
  env: NodeJS.ProcessEnv,
  extraNames: readonly string[] = [],
  secretValues: readonly string[] = [],
): NodeJS.ProcessEnv {
  const drop = new Set([...PROVIDER_KEYS, ...extraNames]);
  const values = new Set(secretValues.filter((v) => v.length >= 6));
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || drop.has(k) || SECRET_NAME.test(k) || values.has(v)) continue;
    out[k] = v;
  }
  return out;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
  aborted: boolean;
}

const KILL_GRACE_MS = 2000;

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  maxChars: number;
  signal?: AbortSignal;
}

/** Run one shell command; never rejects for the command's own failure. */
export function runShell(command: string, options: RunOptions): Promise<CommandResult> {
  return runProcess("/bin/sh", ["-c", command], options);
}

/** Run a program in its own process group; never rejects for the program's own failure. */
export function runProcess(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ exitCode: null, signal: null, output: "", timedOut: false, aborted: true });
      return;
    }
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    // Keep at most twice the cap while running; capText trims at the end (head + tail).
    const append = (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.length > options.maxChars * 2)
        out = out.slice(0, options.maxChars) + out.slice(-options.maxChars);
    };
    child.stdout.on("data", append);
    child.stderr.on("data", append);
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killTree = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      killTimer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      killTree();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (err) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(err);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({ exitCode, signal, output: capText(out, options.maxChars), timedOut, aborted });
    });
  });
}

const log = createLogger("agent:command");
let warnedUnsandboxed = false;

export function runCommandTool(ctx: ToolContext) {
  return tool({
    description:
      "Run a shell command (sh -c) in the workspace directory, in a sandbox: only the workspace is visible, no secrets in the environment. No interactive input; output is capped; long-running commands are killed at the timeout.",
    inputSchema: z.object({
      command: z.string().min(1),
      timeoutMs: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("Shorter than the default limit if you like"),
    }),
    execute: async ({ command, timeoutMs }, { abortSignal }) => {
      const limit = Math.min(timeoutMs ?? ctx.limits.commandTimeoutMs, ctx.limits.commandTimeoutMs);
      const prepared = await prepareCommand(ctx, command);
      if (prepared.refused !== undefined) return prepared.refused;
      if (prepared.unsandboxed && !warnedUnsandboxed) {
        warnedUnsandboxed = true;
        log.warn({ why: prepared.unsandboxed }, "run_command runs without a sandbox (owner)");
      }
      let r: CommandResult;
      try {
        r = await runProcess(prepared.file, prepared.args, {
          cwd: ctx.root,
          env: prepared.env,
          timeoutMs: limit,
          maxChars: ctx.limits.commandOutputChars,
          signal: abortSignal,
        });
      } finally {
        await prepared.dispose();
      }
      const status = r.aborted
        ? "stopped by the user"
        : r.timedOut
          ? `killed after ${Math.round(limit / 1000)} s (timeout)`
          : r.exitCode !== null
            ? `exit code ${r.exitCode}`
            : `killed by ${r.signal}`;
      return `${status}\n${r.output}`.trimEnd();
    },
  });
}
