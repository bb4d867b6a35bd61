/**
 * `wxagent doctor` for the ACP agent: what the first message will do. The command exists,
 * starts and answers `initialize` in time, then `session/new` and a tiny prompt in a scratch
 * workspace, in the mode a read-only contact gets. A login the agent still needs is reported
 * with the exact fix. Each failure comes with the one thing to do about it.
 */
import { constants } from "node:fs";
import { access, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { createLogger } from "../../util/logger.js";
import { PRESETS } from "../presets.js";
import type { AgentIO } from "../types.js";
import type { AcpCommand } from "./config.js";
import { AcpError, describeError } from "./errors.js";
import { chooseMode } from "./modes.js";
import { ACP_PRESET_NEEDS, adapterVersionWarning } from "./presets.js";
import { AcpProcess, withDeadline } from "./process.js";
import { TurnRecorder } from "./turn.js";
import { Workspace } from "./workspace.js";

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
  /** The agent answered -32000 "Authentication required" (`fix` says how to log in). */
  needsLogin?: boolean;
  /** The api-key method sent with `authenticate`, if any. */
  authenticatedWith?: string;
  /** The mode a read-only contact's session was put in. */
  mode?: string;
  /** What the agent answered to the tiny prompt (clipped). */
  reply?: string;
  /** Things that work but will surprise (an older adapter, no session modes). */
  warnings?: string[];
}

export interface AcpCheckOptions {
  signal?: AbortSignal;
  /** Default 30 000 ms (npx may need to download the package on the first run). */
  timeoutMs?: number;
  /** Directory to start the agent in; default the current directory. */
  cwd?: string;
  /** Skip session/new and the prompt (initialize only). */
  initializeOnly?: boolean;
  /** The tiny prompt; default 60 000 ms (a model answers once). */
  promptTimeoutMs?: number;
  /** The preset name the command came from (`claude`, `codex` …), for its Node requirement. */
  preset?: string;
}

/** The tiny prompt doctor sends, as the first message would. */
export const DOCTOR_PROMPT = "This is a connection check from wxagent doctor. Reply with the single word OK.";

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
  let scratch: string | undefined;
  try {
    proc = await AcpProcess.start({
      ...config,
      cwd: options.cwd ?? process.cwd(),
      logger: createLogger("agent:acp:doctor"),
      startTimeoutMs: timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const auth = proc.authMethods.map((m) => m.name);
    const agentInfo = proc.agentInfo
      ? { name: proc.agentInfo.name, version: proc.agentInfo.version }
      : undefined;
    const warnings: string[] = [];
    const old = adapterVersionWarning(config, agentInfo);
    if (old) warnings.push(old);
    const result: AcpCheckResult = {
      ok: true,
      resolvedCommand,
      ...(agentInfo ? { agentInfo } : {}),
      loadSession: proc.capabilities.loadSession === true,
      ...(auth.length > 0 ? { authMethods: auth } : {}),
      ...(proc.authenticatedWith ? { authenticatedWith: proc.authenticatedWith } : {}),
    };
    if (!options.initializeOnly) {
      scratch = await mkdtemp(join(tmpdir(), "wxagent-doctor-"));
      Object.assign(result, await firstMessage(proc, await Workspace.open(scratch), options, warnings));
    }
    if (!result.ok && options.preset && ACP_PRESET_NEEDS[options.preset] && !result.needsLogin) {
      result.fix = `${result.fix ?? ""} (the ${options.preset} preset needs ${ACP_PRESET_NEEDS[options.preset]?.node})`;
    }
    return warnings.length > 0 ? { ...result, warnings } : result;
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
    if (scratch) await rm(scratch, { recursive: true, force: true }).catch(() => {});
  }
}

/** session/new, the mode a read-only contact gets, and one tiny prompt. */
async function firstMessage(
  proc: AcpProcess,
  workspace: Workspace,
  options: AcpCheckOptions,
  warnings: string[],
): Promise<Partial<AcpCheckResult>> {
  const preset = PRESETS["read-only"];
  const promptTimeoutMs = options.promptTimeoutMs ?? 60_000;
  try {
    const binding = await proc.newSession(workspace, preset);
    const choice = chooseMode(binding.modes, preset, proc.agentInfo?.name ?? proc.commandLine);
    let mode: string | undefined;
    if (choice.ok) {
      await proc.applyMode(binding, choice);
      mode = choice.mode.id;
    } else {
      warnings.push(`contacts below full will be refused: ${choice.reason}`);
    }
    // Nobody answers: a permission the preset would ask about is refused.
    const io: AgentIO = { progress() {}, sendFile: async () => {}, ask: async () => undefined };
    const recorder = new TurnRecorder(io);
    const stop = new AbortController();
    const turn = {
      recorder,
      permission: { io, preset, askTo: "contact" as const, timeoutMs: 1, signal: stop.signal },
    };
    const outcome = await withDeadline(
      proc.prompt(binding, [{ type: "text", text: DOCTOR_PROMPT }], turn, stop.signal, 2_000),
      proc.exited,
      promptTimeoutMs,
      {
        onExit: () => new AcpError("acp_process_exited", "the agent process exited during the test prompt"),
        onTimeout: () => {
          stop.abort();
          return new AcpError(
            "acp_timeout",
            `the agent did not answer a tiny prompt within ${promptTimeoutMs} ms`,
          );
        },
      },
    );
    if ("exited" in outcome) {
      return {
        ok: false,
        problem: "the agent process exited during the test prompt",
        fix: `run \`${proc.commandLine}\` by hand and look at its error (its stderr is in the gateway log)`,
      };
    }
    const reply = (await recorder.reply(outcome.stopReason)).text.replace(/\s+/g, " ").slice(0, 80);
    return { ok: true, reply, ...(mode ? { mode } : {}) };
  } catch (err) {
    if (err instanceof AcpError && err.code === "acp_auth_required") {
      return {
        ok: false,
        needsLogin: true,
        problem: "needs login",
        fix: proc.loginFix("run `wxagent doctor` again"),
      };
    }
    return {
      ok: false,
      problem: describeError(err),
      fix: `run \`${proc.commandLine}\` by hand to see its error, fix that, then run doctor again`,
    };
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
