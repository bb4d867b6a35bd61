/**
 * `wxagent doctor` for the ACP agent: the command exists, starts, and answers `initialize`
 * in time. Each failure comes with the one thing to do about it.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { createLogger } from "../../util/logger.js";
import type { AcpCommand } from "./config.js";
import { AcpError, describeError } from "./errors.js";
import { AcpProcess } from "./process.js";

export interface AcpCheckResult {
  ok: boolean;
  /** What is wrong, in one sentence (absent when ok). */
  problem?: string;
  /** What to do about it. */
  fix?: string;
  /** Where the command was found. */
  resolvedCommand?: string;
  agentInfo?: { name: string; version: string };
  /** Whether sessions survive a restart (the agent supports session/load). */
  loadSession?: boolean;
  /** The agent wants a login before its first session. */
  authMethods?: string[];
}

export interface AcpCheckOptions {
  signal?: AbortSignal;
  /** Default 30 000 ms (npx may need to download the package on the first run). */
  timeoutMs?: number;
  /** Directory to start the agent in; default the current directory. */
  cwd?: string;
}

export async function checkAcpCommand(
  config: AcpCommand,
  options: AcpCheckOptions = {},
): Promise<AcpCheckResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const commandLine = [config.command, ...(config.args ?? [])].join(" ");
  const resolvedCommand = await findCommand(config.command, config.env?.PATH ?? process.env.PATH ?? "");
  if (!resolvedCommand) {
    return {
      ok: false,
      problem: `\`${config.command}\` was not found${hasSeparator(config.command) ? "" : " on PATH"}`,
      fix: `install the agent (or Node.js for npx), or set the ACP command to the binary's full path`,
    };
  }
  let proc: AcpProcess | undefined;
  try {
    proc = await AcpProcess.start({
      ...config,
      cwd: options.cwd ?? process.cwd(),
      logger: createLogger("agent:acp:doctor"),
      startTimeoutMs: timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const auth = proc.authMethods.map((m) => m.name);
    return {
      ok: true,
      resolvedCommand,
      ...(proc.agentInfo
        ? { agentInfo: { name: proc.agentInfo.name, version: proc.agentInfo.version } }
        : {}),
      loadSession: proc.capabilities.loadSession === true,
      ...(auth.length > 0 ? { authMethods: auth } : {}),
    };
  } catch (err) {
    if (options.signal?.aborted) return { ok: false, resolvedCommand, problem: "the check was cancelled" };
    const message = describeError(err);
    const timedOut = err instanceof AcpError && message.includes("did not answer initialize");
    return {
      ok: false,
      resolvedCommand,
      problem: message,
      fix: timedOut
        ? `run \`${commandLine}\` by hand: it should wait silently for JSON on stdin; if it prints a prompt or help, add the agent's ACP flag`
        : `run \`${commandLine}\` by hand to see its error, fix that (login, API key, install), then run doctor again`,
    };
  } finally {
    if (proc) {
      proc.kill();
      await proc.exited;
    }
  }
}

function hasSeparator(command: string): boolean {
  return command.includes("/") || command.includes("\\");
}

/** The executable `command` names: a path as given, else the first match on PATH. */
export async function findCommand(command: string, pathVar: string): Promise<string | undefined> {
  const exts =
    process.platform === "win32" ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")] : [""];
  const candidates =
    hasSeparator(command) || isAbsolute(command)
      ? exts.map((e) => resolve(command + e))
      : pathVar
          .split(delimiter)
          .filter(Boolean)
          .flatMap((dir) => exts.map((e) => join(dir, command + e)));
  for (const candidate of candidates) {
    try {
      await access(candidate, process.platform === "win32" ? constants.F_OK : constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here; try the next one
    }
  }
  return undefined;
}
