/**
 * `wxagent doctor` for the ACP agent: what the first message will do, the way it will do it. The
 * command exists, starts (in the same OS sandbox, with the same environment allowlist, in a
 * scratch workspace where contacts' workspaces are) and answers `initialize` in time; then
 * `session/new`, the mode each preset maps to (set as the gateway would set it) and a tiny prompt
 * in the mode a read-only contact gets. A login the agent still needs is reported with the exact
 * fix. Each failure comes with the one thing to do about it.
 */
import { constants } from "node:fs";
import { access, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, delimiter, isAbsolute, join, resolve } from "node:path";
import type { SessionNotification } from "@agentclientprotocol/sdk";
import type { ProcessSandbox } from "../../shared/sandbox/agent-process.js";
import { messageOf } from "../../shared/wx-error.js";
import { createLogger } from "../../util/logger.js";
import { PRESETS, type PresetName } from "../presets.js";
import type { AgentIO } from "../types.js";
import type { AcpCommand } from "./config.js";
import { AcpError } from "./errors.js";
import { chooseMode } from "./modes.js";
import { ACP_PRESET_NEEDS, adapterVersionWarning } from "./presets.js";
import { AcpProcess, type SessionBinding, withDeadline } from "./process.js";
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
  /** The sandbox the agent ran in (as the gateway runs it), or why it ran without one. */
  sandboxed?: string;
  unsandboxed?: string;
  /** The mode a read-only contact's session was put in (the test prompt ran in it). */
  mode?: string;
  /** The mode each preset's sessions are put in ("" for an agent without modes); absent: refused. */
  modes?: Partial<Record<PresetName, string>>;
  /** What the agent answered to the tiny prompt (clipped). */
  reply?: string;
  /** Things that work but will surprise (an older adapter, a preset that will be refused). */
  warnings?: string[];
}

export interface AcpCheckOptions {
  signal?: AbortSignal;
  /**
   * Starting the agent and answering `initialize`. Default 60 000 ms, and at least 300 000 ms
   * for npx: killing npx while it downloads leaves its copy of the package broken.
   */
  timeoutMs?: number;
  /** Where the scratch workspace is made (the gateway's workspaces folder: the same sandbox layout). */
  workspacesDir?: string;
  /** Skip session/new and the prompt (initialize only). */
  initializeOnly?: boolean;
  /** The tiny prompt; default 60 000 ms (a model answers once). */
  promptTimeoutMs?: number;
  /** The preset name the command came from (`claude`, `codex` …), for its Node requirement. */
  preset?: string;
  /** The OS sandbox the gateway starts the agent in (`acp.sandbox`); absent: none. */
  sandbox?: ProcessSandbox;
  /** `acp.modes`: the mode per preset name the owner configured. */
  modes?: Partial<Record<PresetName, string>>;
}

/** The tiny prompt doctor sends, as the first message would. */
export const DOCTOR_PROMPT = "This is a connection check from wxagent doctor. Reply with the single word OK.";

/** The presets whose modes are checked, loosest first: the test prompt runs in the last that works. */
const PRESET_ORDER: PresetName[] = ["full", "workspace-write", "read-only"];

/** The start timeout for `command`: npx gets time to download (see AcpCheckOptions.timeoutMs). */
export function startTimeoutFor(command: string, configuredMs = 60_000): number {
  return /^npx(\.cmd)?$/i.test(basename(command)) ? Math.max(configuredMs, 300_000) : configuredMs;
}

export async function checkAcpCommand(
  config: AcpCommand,
  options: AcpCheckOptions = {},
): Promise<AcpCheckResult> {
  const timeoutMs = options.timeoutMs ?? startTimeoutFor(config.command);
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
    const parent = options.workspacesDir ?? tmpdir();
    await mkdir(parent, { recursive: true, mode: 0o700 });
    scratch = await mkdtemp(join(parent, ".doctor-"));
    const workspace = await Workspace.open(scratch);
    proc = await AcpProcess.start({
      ...config,
      // Where the gateway starts a contact's agent: in the contact's workspace.
      cwd: workspace.root,
      logger: createLogger("agent:acp:doctor"),
      startTimeoutMs: timeoutMs,
      // The test prompt is a read-only contact's first message: its process cannot write.
      writable: false,
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const auth = proc.authMethods.map((m) => m.name);
    const agentInfo = proc.agentInfo
      ? { name: proc.agentInfo.name, version: proc.agentInfo.version }
      : undefined;
    const warnings: string[] = [];
    const old = adapterVersionWarning(config, agentInfo);
    if (old) warnings.push(old);
    if (proc.unsandboxed) {
      warnings.push(
        `the agent runs without a sandbox (${proc.unsandboxed}): it sees everything this user can; see README "The command sandbox"`,
      );
    }
    const result: AcpCheckResult = {
      ok: true,
      resolvedCommand,
      ...(agentInfo ? { agentInfo } : {}),
      loadSession: proc.capabilities.loadSession === true,
      ...(auth.length > 0 ? { authMethods: auth } : {}),
      ...(proc.authenticatedWith ? { authenticatedWith: proc.authenticatedWith } : {}),
      ...(proc.sandboxed ? { sandboxed: proc.sandboxed } : {}),
      ...(proc.unsandboxed ? { unsandboxed: proc.unsandboxed } : {}),
    };
    if (!options.initializeOnly) {
      Object.assign(result, await firstMessage(proc, workspace, options, warnings));
    }
    return warnings.length > 0 ? { ...result, warnings } : result;
  } catch (err) {
    return startFailure(err, options, resolvedCommand, commandLine);
  } finally {
    if (proc) {
      proc.kill();
      await proc.exited;
    }
    if (scratch) await rm(scratch, { recursive: true, force: true }).catch(() => {});
  }
}

/** The report of an agent that did not start or answer `initialize`, with the fix. */
function startFailure(
  err: unknown,
  options: AcpCheckOptions,
  resolvedCommand: string,
  commandLine: string,
): AcpCheckResult {
  if (options.signal?.aborted) {
    return {
      ok: false,
      resolvedCommand,
      problem: "the check was cancelled before the agent answered",
      fix: `run \`wxagent doctor\` again; if npx was still downloading the package, run \`${commandLine}\` once by hand first (it waits silently for input when ready; stop it with Ctrl-C)`,
    };
  }
  const message = messageOf(err);
  const timedOut = err instanceof AcpError && message.includes("did not answer initialize");
  // An adapter that does not start may simply need a newer Node.
  const needs = options.preset ? ACP_PRESET_NEEDS[options.preset] : undefined;
  const node = needs
    ? ` (the ${options.preset} preset needs ${needs.node}; this is Node ${process.versions.node})`
    : "";
  return {
    ok: false,
    resolvedCommand,
    problem: message,
    fix: timedOut
      ? `run \`${commandLine}\` by hand: it should wait silently for JSON on stdin; if it prints a prompt or help, add the agent's ACP flag${node}`
      : `fix what the agent said (install, login, API key), then run \`wxagent doctor\` again${node}`,
  };
}

/**
 * Each preset's mode set as the gateway sets it (refusals become warnings), then one tiny
 * prompt in the most restrictive mode that could be set (read-only's, normally).
 */
async function modeMap(
  proc: AcpProcess,
  binding: SessionBinding,
  configured: AcpCheckOptions["modes"],
  warnings: string[],
): Promise<{ modes: Partial<Record<PresetName, string>>; last?: PresetName }> {
  const modes: Partial<Record<PresetName, string>> = {};
  let last: PresetName | undefined;
  const agentName = proc.agentInfo?.name ?? proc.commandLine;
  for (const name of PRESET_ORDER) {
    binding.preset = PRESETS[name];
    const choice = chooseMode(binding.modes, binding.preset, agentName, configured);
    if (!choice.ok) {
      warnings.push(`contacts with the ${name} preset will be refused: ${choice.reason}`);
      continue;
    }
    try {
      await proc.applyMode(binding, choice);
      modes[name] = choice.mode.id;
      last = name;
    } catch (err) {
      if (!proc.alive) throw err;
      warnings.push(`contacts with the ${name} preset will be refused: ${messageOf(err)}`);
    }
  }
  return last ? { modes, last } : { modes };
}

/** session/new, the presets' modes, and one tiny prompt in the most restrictive of them. */
async function firstMessage(
  proc: AcpProcess,
  workspace: Workspace,
  options: AcpCheckOptions,
  warnings: string[],
): Promise<Partial<AcpCheckResult>> {
  const promptTimeoutMs = options.promptTimeoutMs ?? 60_000;
  let modes: Partial<Record<PresetName, string>> | undefined;
  try {
    const binding = await proc.newSession(workspace, PRESETS["read-only"]);
    const mapped = await modeMap(proc, binding, options.modes, warnings);
    modes = mapped.modes;
    const last = mapped.last;
    if (!last) {
      return {
        ok: false,
        modes,
        problem: "no preset can use this agent: it takes no session mode wxagent can keep it to",
        fix: "use an agent that offers session modes (claude, codex, gemini), or see the warnings below",
      };
    }
    const preset = PRESETS[last];
    const target = binding.target;
    // A refused switch may have left the target on that preset: set the one that worked again.
    if (target && target.mode.id !== modes[last]) {
      const again = chooseMode(binding.modes, preset, proc.agentInfo?.name ?? "", options.modes);
      if (again.ok) await proc.applyMode(binding, again);
    }
    binding.preset = preset;
    // Nobody answers: a permission the preset would ask about is refused. What the agent reports
    // meanwhile (notices, retry status) explains a prompt that never ends.
    const heard: string[] = [];
    const io: AgentIO = {
      progress: (line) => heard.push(line),
      sendFile: async () => {},
      ask: async () => undefined,
    };
    const recorder = new ListeningRecorder(io, heard);
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
        onExit: () => new AcpError("ACP_PROCESS_EXITED", "the agent process exited during the test prompt"),
        onTimeout: () => {
          stop.abort();
          const said = [...new Set(heard)].join(" | ").slice(0, 600);
          return new AcpError(
            "ACP_TIMEOUT",
            `the agent did not answer a tiny prompt within ${promptTimeoutMs} ms${said ? `; it reported: ${said}` : ""}`,
          );
        },
      },
    );
    if ("exited" in outcome) {
      return {
        ok: false,
        modes,
        problem: "the agent process exited during the test prompt",
        fix: `run \`${proc.commandLine}\` by hand and look at its error (its stderr is in the gateway log)`,
      };
    }
    const reply = (await recorder.reply(outcome.stopReason)).text.replace(/\s+/g, " ").slice(0, 80);
    const mode = modes[last];
    return { ok: true, reply, modes, ...(last === "read-only" && mode ? { mode } : {}) };
  } catch (err) {
    return promptFailure(err, proc, modes);
  }
}

/** The report of a session or test prompt that failed (the modes found so far kept), with the fix. */
function promptFailure(
  err: unknown,
  proc: AcpProcess,
  modes: Partial<Record<PresetName, string>> | undefined,
): Partial<AcpCheckResult> {
  if (err instanceof AcpError && err.code === "ACP_TIMEOUT") {
    return {
      ok: false,
      ...(modes ? { modes } : {}),
      problem: err.message,
      fix: "check that this machine reaches the model's API (DNS, firewall; a proxy goes in HTTPS_PROXY, which the sandbox passes on), then run `wxagent doctor` again",
    };
  }
  if (err instanceof AcpError && err.code === "ACP_AUTH_REQUIRED") {
    return {
      ok: false,
      ...(modes ? { modes } : {}),
      needsLogin: true,
      problem: "needs login",
      fix: proc.loginFix("run `wxagent doctor` again"),
    };
  }
  return {
    ok: false,
    ...(modes ? { modes } : {}),
    problem: messageOf(err),
    fix: `run \`${proc.commandLine}\` by hand to see its error, fix that, then run doctor again`,
  };
}

/** A TurnRecorder that also keeps the agent's notices (normally only logged) for the report. */
class ListeningRecorder extends TurnRecorder {
  constructor(
    io: AgentIO,
    private readonly heard: string[],
  ) {
    super(io);
  }

  override apply(update: SessionNotification["update"]): void {
    if (update.sessionUpdate === "notice") {
      this.heard.push([update.title, update.description].filter(Boolean).join(": ").slice(0, 300));
    }
    super.apply(update);
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
