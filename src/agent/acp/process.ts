/**
 * One ACP agent process: spawned from the configured command, spoken to over its stdio with
 * the SDK's client side, serving one or more sessions (one per contact). Its stderr goes to our
 * logger, never to our stdout. File requests are confined to the session's workspace and
 * permission requests are routed to the turn that is running in that session.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";
import { onBoundedLines } from "../../shared/bounded-lines.js";
import { agentSpawnSpec, type ProcessSandbox, type SpawnSpec } from "../../shared/sandbox/agent-process.js";
import { VERSION } from "../../shared/version.js";
import { messageOf } from "../../shared/wx-error.js";
import { type Logger, redactText } from "../../util/logger.js";
import type { Preset } from "../presets.js";
import { apiKeyMethod, loginFix } from "./auth.js";
import type { AcpCommand } from "./config.js";
import { AcpError } from "./errors.js";
import {
  type AgentMode,
  type ModeChoice,
  type ModeSurface,
  modeLevel,
  modeOption,
  modeSurfaceOf,
  presetLevel,
} from "./modes.js";
import { answerPermission, type PermissionContext } from "./permission.js";
import type { TurnRecorder } from "./turn.js";
import type { Workspace } from "./workspace.js";

export const CLIENT_INFO = { name: "wxagent", version: VERSION } as const;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: Error;
}

/** What a running turn lends the process: where updates go and how to ask the user. */
export interface ActiveTurn {
  recorder: TurnRecorder;
  permission: PermissionContext;
}

export interface SessionBinding {
  sessionId: string;
  workspace: Workspace;
  preset: Preset;
  turn?: ActiveTurn;
  /** The agent's modes and the one it reports now (absent: the agent has none). */
  modes?: ModeSurface;
  /** The mode wxagent put the session in, its level, and the highest level the preset allows. */
  target?: { mode: AgentMode; level: number; max: number };
  /** Set when the agent switched itself to a looser mode during the running turn. */
  modeViolation?: string;
  /** The agent's own slash commands (available_commands_update). */
  commands?: acp.AvailableCommand[];
  /** Cancel the running turn (session/cancel, then kill after the grace). */
  cancel?: () => void;
}

export type PromptOutcome = { stopReason: acp.StopReason } | { exited: ExitInfo };

export interface StartOptions extends AcpCommand {
  cwd: string;
  logger: Logger;
  startTimeoutMs: number;
  /** Aborting stops the process while it is starting. */
  signal?: AbortSignal;
  /** Run the process in the OS sandbox (src/shared/sandbox/agent-process.ts); absent: unsandboxed. */
  sandbox?: ProcessSandbox;
  /** Whether the sandboxed process may write its cwd (the workspace). Default true. */
  writable?: boolean;
}

export class AcpProcess {
  readonly sessions = new Map<string, SessionBinding>();
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  capabilities: acp.AgentCapabilities = {};
  authMethods: acp.AuthMethod[] = [];
  agentInfo: acp.Implementation | undefined;
  /** The api-key method sent with `authenticate` after initialize, if any. */
  authenticatedWith: string | undefined;
  readonly commandLine: string;
  /** The sandbox it runs in (a description), or why it runs without one. */
  readonly sandboxed: string | undefined;
  readonly unsandboxed: string | undefined;
  /** The environment the agent process itself sees (sandboxed: the allowlist only). */
  private readonly env: Record<string, string | undefined>;
  private readonly passes: (name: string) => boolean;
  /** Its last lines of stderr (redacted), for the error when it dies before answering. */
  private readonly stderrTail: string[] = [];
  private readonly stderrDone: Promise<void>;
  private readonly child: ChildProcess;
  private readonly connection: acp.ClientConnection;
  private readonly logger: Logger;

  private constructor(opts: StartOptions, spec: SpawnSpec) {
    this.logger = opts.logger;
    this.commandLine = [opts.command, ...(opts.args ?? [])].join(" ");
    this.env = spec.env;
    this.passes = (name) => spec.passes(name);
    this.sandboxed = spec.sandboxed;
    this.unsandboxed = spec.unsandboxed;
    this.child = spawn(spec.file, spec.args, {
      cwd: opts.cwd,
      env: spec.env,
      stdio: ["pipe", "pipe", "pipe"],
      // Own process group, so stopping it also stops what it started (npx → node → agent).
      detached: process.platform !== "win32",
      // Windows needs a shell to run `.cmd` shims such as npx.
      shell: process.platform === "win32",
      windowsHide: true,
    });
    this.exited = new Promise<ExitInfo>((resolve) => {
      const done = (info: ExitInfo) => {
        if (this.exitInfo) return;
        this.exitInfo = info;
        resolve(info);
      };
      this.child.once("error", (error) => done({ code: null, signal: null, error }));
      this.child.once("exit", (code, signal) => done({ code, signal }));
    });
    void this.exited.then(() => spec.dispose());
    // A dead child's stdin raises EPIPE; the exit handler reports the death.
    this.child.stdin?.on("error", () => {});
    const stderr = this.child.stderr;
    let stderrClosed: () => void = () => {};
    this.stderrDone = new Promise((resolve) => {
      stderrClosed = resolve;
    });
    if (!stderr) stderrClosed();
    if (stderr) {
      // Bounded per line (the agent may write without end); its stdout is bounded by the SDK
      // (ndJsonStream refuses a message over 32 MiB).
      onBoundedLines(
        stderr,
        STDERR_LINE_CHARS,
        (line) => {
          if (!line.trim()) return;
          const clean = redactText(line).slice(0, 2000);
          this.logger.debug({ stderr: clean }, "agent stderr");
          this.stderrTail.push(clean);
          if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        },
        stderrClosed,
      );
    }
    const stdin = this.child.stdin;
    const stdout = this.child.stdout;
    if (!stdin || !stdout) throw new AcpError("ACP_SPAWN_FAILED", "the agent process has no stdio pipes");
    this.connection = this.clientApp().connect(
      acp.ndJsonStream(
        Writable.toWeb(stdin) as WritableStream<Uint8Array>,
        Readable.toWeb(stdout) as ReadableStream<Uint8Array>,
      ),
    );
    void this.exited.then((info) => {
      this.logger.info({ code: info.code, signal: info.signal, pid: this.child.pid }, "agent process exited");
      this.connection.close(new AcpError("ACP_PROCESS_EXITED", describeExit(info)));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Spawn the command and complete `initialize`; throws a typed error naming the fix. */
  static async start(opts: StartOptions): Promise<AcpProcess> {
    let spec: SpawnSpec;
    try {
      spec = await agentSpawnSpec(opts.sandbox, opts);
    } catch (err) {
      throw new AcpError("ACP_SPAWN_FAILED", messageOf(err), { cause: err });
    }
    if (spec.unsandboxed) opts.logger.warn({ why: spec.unsandboxed }, "agent process runs without a sandbox");
    else if (spec.sandboxed) opts.logger.info({ sandbox: spec.sandboxed }, "agent process sandboxed");
    const proc = new AcpProcess(opts, spec);
    const onAbort = () => proc.kill();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (opts.signal?.aborted) proc.kill();
      await proc.initialize(opts);
      return proc;
    } catch (err) {
      proc.kill();
      throw err;
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  private async initialize(opts: StartOptions): Promise<void> {
    const params: acp.InitializeRequest = {
      protocolVersion: acp.PROTOCOL_VERSION,
      // No terminal: agents then run commands with their own tools, under their permission asks.
      // auth.terminal lets agents list their terminal login (doctor and the owner's fix name it);
      // session.notices keeps agent notices out of the answer (they go to the log).
      clientCapabilities: {
        fs: { readTextFile: true, writeTextFile: true },
        terminal: false,
        auth: { terminal: true },
        session: { notices: {} },
      },
      clientInfo: { ...CLIENT_INFO },
    };
    const request = this.connection.agent.request("initialize", params);
    const commandLine = [opts.command, ...(opts.args ?? [])].join(" ");
    const onExit = (info: ExitInfo) =>
      info.error
        ? new AcpError(
            "ACP_SPAWN_FAILED",
            `could not start \`${commandLine}\`: ${info.error.message}; install the agent or set the ACP command to a full path`,
          )
        : new AcpError(
            "ACP_INITIALIZE_FAILED",
            `\`${commandLine}\` ${describeExit(info)} before answering initialize; ${whyItDied(this.stderrTail, commandLine)}`,
          );
    const onTimeout = () =>
      new AcpError(
        "ACP_INITIALIZE_FAILED",
        `\`${commandLine}\` did not answer initialize within ${opts.startTimeoutMs} ms; check that it runs in ACP mode (e.g. \`gemini --acp\`)`,
      );
    let timedOut: AcpError | undefined;
    const res = await withDeadline(request, this.exited, opts.startTimeoutMs, {
      // Built after the fact (below), once its last stderr lines are in.
      onExit: () => new AcpError("ACP_PROCESS_EXITED", "exited"),
      onTimeout: () => {
        timedOut = onTimeout();
        return timedOut;
      },
    }).catch(async (err: unknown) => {
      if (timedOut && err === timedOut) throw err;
      // The connection closes (failing the request) a moment before the exit is reported, and
      // the last lines of stderr arrive a moment after it.
      const exit = this.exitInfo ?? (await Promise.race([this.exited, delay(2000)]));
      if (exit) {
        await Promise.race([this.stderrDone, delay(1000)]);
        throw onExit(exit);
      }
      throw new AcpError("ACP_INITIALIZE_FAILED", `initialize failed: ${messageOf(err)}`, {
        cause: err,
      });
    });
    if (res.protocolVersion !== acp.PROTOCOL_VERSION) {
      throw new AcpError(
        "ACP_PROTOCOL_MISMATCH",
        `the agent speaks ACP version ${res.protocolVersion}, this gateway speaks ${acp.PROTOCOL_VERSION}; update the agent or wxagent`,
      );
    }
    this.capabilities = res.agentCapabilities ?? {};
    this.authMethods = res.authMethods ?? [];
    this.agentInfo = res.agentInfo ?? undefined;
    await this.authenticateWithKey(opts.startTimeoutMs);
  }

  /**
   * `authenticate` with the agent's api-key method when its variable is set: Codex answers
   * "Authentication required" without it even with OPENAI_API_KEY in its environment. A failure
   * is logged; the session that follows reports the login the agent still needs.
   */
  private async authenticateWithKey(timeoutMs: number): Promise<void> {
    const method = apiKeyMethod(this.authMethods, this.env);
    if (!method) return;
    try {
      await withDeadline(
        this.connection.agent.request("authenticate", { methodId: method.methodId }),
        this.exited,
        timeoutMs,
        {
          onExit: (info) => new AcpError("ACP_PROCESS_EXITED", describeExit(info)),
          onTimeout: () => new AcpError("ACP_TIMEOUT", "authenticate was not answered in time"),
        },
      );
      this.authenticatedWith = method.methodId;
      this.logger.info(
        { methodId: method.methodId, variable: method.variable },
        "authenticated with api key",
      );
    } catch (err) {
      this.logger.warn(
        { methodId: method.methodId, variable: method.variable, err: messageOf(err) },
        "authenticate with the api key failed",
      );
    }
  }

  /** The one sentence that tells the owner how to log this agent in. */
  loginFix(then?: string): string {
    return loginFix(this.agentInfo?.name ?? "", this.commandLine, this.authMethods, {
      ...(then ? { next: then } : {}),
      reaches: this.passes,
    });
  }

  /** session/new in `workspace`. */
  async newSession(
    workspace: Workspace,
    preset: Preset,
    mcpServers: acp.McpServer[] = [],
  ): Promise<SessionBinding> {
    try {
      const res = await this.raceExit(
        this.connection.agent.request("session/new", { cwd: workspace.root, mcpServers }),
      );
      const binding: SessionBinding = { sessionId: res.sessionId, workspace, preset };
      const modes = modeSurfaceOf(res);
      if (modes) binding.modes = modes;
      this.sessions.set(res.sessionId, binding);
      return binding;
    } catch (err) {
      throw this.sessionError(err);
    }
  }

  /**
   * session/load of a session from an earlier process. The agent replays the conversation as
   * updates while loading; with no turn bound yet they are dropped.
   */
  async loadSession(
    sessionId: string,
    workspace: Workspace,
    preset: Preset,
    mcpServers: acp.McpServer[] = [],
  ): Promise<SessionBinding> {
    const binding: SessionBinding = { sessionId, workspace, preset };
    this.sessions.set(sessionId, binding);
    try {
      const res = await this.raceExit(
        this.connection.agent.request("session/load", { sessionId, cwd: workspace.root, mcpServers }),
      );
      const modes = modeSurfaceOf(res ?? {});
      if (modes) binding.modes = modes;
      return binding;
    } catch (err) {
      this.sessions.delete(sessionId);
      throw err;
    }
  }

  /**
   * Put the session in the chosen mode before a prompt (after session/new, session/load, or an
   * agent that switched itself). An agent without modes is left as it is (the choice allowed it).
   */
  async applyMode(binding: SessionBinding, choice: Extract<ModeChoice, { ok: true }>): Promise<void> {
    binding.target = {
      mode: choice.mode,
      level: choice.level,
      max: Math.max(choice.level, presetLevel(binding.preset)),
    };
    const surface = binding.modes;
    if (!surface || surface.currentModeId === choice.mode.id) return;
    const from = surface.currentModeId;
    await this.setMode(binding, choice.mode.id);
    this.logger.info({ sessionId: binding.sessionId, from, to: choice.mode.id }, "session mode set");
  }

  private async setMode(binding: SessionBinding, modeId: string): Promise<void> {
    const surface = binding.modes;
    if (!surface) return;
    try {
      if (surface.via === "set_mode") {
        await this.raceExit(
          this.connection.agent.request("session/set_mode", { sessionId: binding.sessionId, modeId }),
        );
      } else {
        const res = await this.raceExit(
          this.connection.agent.request("session/set_config_option", {
            sessionId: binding.sessionId,
            configId: surface.configId ?? "mode",
            value: modeId,
          }),
        );
        const option = modeOption(res.configOptions);
        if (option && option.type === "select" && option.currentValue !== modeId) {
          throw new Error(`the agent kept mode ${option.currentValue}`);
        }
      }
    } catch (err) {
      throw new AcpError(
        "ACP_MODE_FAILED",
        `the agent refused to switch to its \`${modeId}\` mode (${messageOf(err)}); the message was not sent to it`,
        { cause: err },
      );
    }
    surface.currentModeId = modeId;
  }

  /**
   * The agent reports a mode (current_mode_update, config_option_update): one looser than the
   * target cancels the running turn and is set back at once.
   */
  private modeReported(binding: SessionBinding, modeId: string): void {
    if (binding.modes) binding.modes.currentModeId = modeId;
    const target = binding.target;
    if (!target || modeId === target.mode.id) return;
    const level = modeLevel(modeId, this.agentInfo?.name);
    if (level <= target.max) return;
    this.logger.warn(
      { sessionId: binding.sessionId, mode: modeId, allowed: target.mode.id },
      "agent switched itself to a looser mode; cancelling the turn and setting the mode back",
    );
    if (binding.turn) {
      binding.modeViolation = modeId;
      binding.cancel?.();
    }
    void this.setMode(binding, target.mode.id).catch((err: unknown) => {
      this.logger.warn({ err: messageOf(err) }, "setting the mode back failed; the next turn retries");
    });
  }

  /** Forget a session (`/new`); agents that support it are asked to close it too. */
  async closeSession(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
    if (!this.alive || !this.capabilities.sessionCapabilities?.close) return;
    await this.raceExit(this.connection.agent.request("session/close", { sessionId })).catch((err) =>
      this.logger.debug({ err: messageOf(err) }, "session/close failed"),
    );
  }

  /**
   * One prompt turn. Aborting `signal` sends session/cancel (and answers open permission
   * questions with `cancelled`); an agent that still has not ended its turn after
   * `cancelGraceMs` is killed.
   */
  async prompt(
    binding: SessionBinding,
    prompt: acp.ContentBlock[],
    turn: ActiveTurn,
    signal: AbortSignal,
    cancelGraceMs: number,
  ): Promise<PromptOutcome> {
    if (signal.aborted) return { stopReason: "cancelled" };
    binding.turn = turn;
    binding.modeViolation = undefined;
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (grace) return;
      this.connection.agent.notify("session/cancel", { sessionId: binding.sessionId }).catch(() => {});
      grace = setTimeout(() => {
        this.logger.warn({ pid: this.pid }, "agent ignored session/cancel; stopping its process");
        this.kill();
      }, cancelGraceMs);
    };
    binding.cancel = onAbort;
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const res = await this.connection.agent.request("session/prompt", {
        sessionId: binding.sessionId,
        prompt,
      });
      // Updates that arrived just before the response may still be in their handlers.
      await new Promise((resolve) => setImmediate(resolve));
      return { stopReason: res.stopReason };
    } catch (err) {
      // The connection closes a moment before the exit event: give it time to arrive.
      const exit = this.exitInfo ?? (await Promise.race([this.exited, delay(1000)]));
      if (exit) return { exited: exit };
      // The agent refused the turn; its session may be gone, so the next turn starts afresh.
      this.sessions.delete(binding.sessionId);
      if (isAuthRequired(err)) throw this.authError(err);
      throw new AcpError("ACP_PROMPT_FAILED", `the agent could not answer: ${messageOf(err)}`, {
        cause: err,
      });
    } finally {
      signal.removeEventListener("abort", onAbort);
      clearTimeout(grace);
      binding.turn = undefined;
      binding.cancel = undefined;
    }
  }

  /** Stop the process (its whole group), politely first. */
  kill(): void {
    if (!this.alive) return;
    this.signal("SIGTERM");
    const force = setTimeout(() => this.signal("SIGKILL"), 3000);
    force.unref();
    void this.exited.then(() => clearTimeout(force));
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || !this.alive) return;
    try {
      if (process.platform !== "win32") process.kill(-pid, sig);
      else this.child.kill(sig);
    } catch {
      this.child.kill(sig);
    }
  }

  private raceExit<T>(p: Promise<T>): Promise<T> {
    const onExit = this.exited.then((info): never => {
      throw new AcpError("ACP_PROCESS_EXITED", `the agent process ${describeExit(info)}`);
    });
    // Only the race observes this rejection; once `p` has won nobody else will.
    onExit.catch(() => {});
    return Promise.race([p, onExit]);
  }

  private sessionError(err: unknown): AcpError {
    if (err instanceof AcpError) return err;
    if (isAuthRequired(err)) return this.authError(err);
    return new AcpError("ACP_SESSION_FAILED", `the agent could not start a session: ${messageOf(err)}`, {
      cause: err,
    });
  }

  private authError(err: unknown): AcpError {
    return new AcpError("ACP_AUTH_REQUIRED", `the agent needs a login: ${this.loginFix()}`, { cause: err });
  }

  private clientApp() {
    const binding = (sessionId: string): SessionBinding => {
      const found = this.sessions.get(sessionId);
      if (!found) throw acp.RequestError.sessionNotFound(sessionId);
      return found;
    };
    return acp
      .client({ name: "wxagent" })
      .onNotification("session/update", ({ params }) => {
        const b = this.sessions.get(params.sessionId);
        if (!b) return;
        const update = params.update;
        if (update.sessionUpdate === "current_mode_update") this.modeReported(b, update.currentModeId);
        if (update.sessionUpdate === "config_option_update") {
          const option = modeOption(update.configOptions);
          if (option && option.type === "select" && b.modes?.via === "config_option") {
            this.modeReported(b, option.currentValue);
          }
        }
        if (update.sessionUpdate === "available_commands_update") b.commands = update.availableCommands;
        if (update.sessionUpdate === "notice") {
          // For the owner and admin log, not the contact's reply.
          this.logger.warn(
            {
              sessionId: b.sessionId,
              severity: update.severity,
              title: update.title,
              detail: update.description,
            },
            "agent notice",
          );
        }
        b.turn?.recorder.apply(update);
      })
      .onRequest("session/request_permission", async ({ params }) => {
        const turn = this.sessions.get(params.sessionId)?.turn;
        // A request outside a turn has nobody to ask.
        if (!turn) return { outcome: { outcome: "cancelled" } };
        const answer = await answerPermission(params, turn.permission);
        this.logger.info(
          {
            kind: params.toolCall.kind,
            outcome: answer.outcome.outcome === "selected" ? answer.outcome.optionId : "cancelled",
          },
          "permission answered",
        );
        return answer;
      })
      .onRequest("fs/read_text_file", async ({ params }) => {
        const b = binding(params.sessionId);
        const content = await guard(() => b.workspace.readText(params.path, params.line, params.limit));
        return { content };
      })
      .onRequest("fs/write_text_file", async ({ params }) => {
        const b = binding(params.sessionId);
        const preset = b.turn?.permission.preset ?? b.preset;
        // Defence in depth: a contact who may not edit cannot have files written for them.
        if (preset.edit === "deny" && preset.write === "deny") {
          throw acp.RequestError.invalidParams(undefined, "writing files is not allowed for this contact");
        }
        await guard(() => b.workspace.writeText(params.path, params.content));
        return {};
      });
  }
}

/** Turn a refused or failed file operation into a JSON-RPC error the agent can show. */
async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof AcpError) throw new acp.RequestError(-32602, err.message, { reason: err.code });
    throw acp.RequestError.internalError(undefined, messageOf(err));
  }
}

/** Lines of the agent's stderr kept for an error message. */
const STDERR_TAIL_LINES = 20;
/** Characters of one stderr line kept before redaction (the logged part is 2000). */
const STDERR_LINE_CHARS = 4000;

/**
 * Why a process died before answering initialize, from its last stderr lines, with the fix. An
 * npx whose download was interrupted (a start timeout, Ctrl-C) leaves `~/.npm/_npx/<hash>`
 * without its package.json, and every later npx of that package fails with ENOENT until the
 * folder is removed.
 */
export function whyItDied(stderr: readonly string[], commandLine: string): string {
  const text = stderr.join("\n");
  const broken = text.match(/(\S*[\\/]_npx[\\/][0-9a-f]+)[\\/]package\.json/);
  if (broken && /ENOENT/.test(text)) {
    return `npx's copy of the package is incomplete (an earlier download was interrupted): remove ${broken[1]} and try again; npx downloads it afresh`;
  }
  const last = stderr
    .filter((l) => !/^npm (error|ERR!) (A complete log|code|errno|syscall)\b/.test(l))
    .slice(-3)
    .join(" | ");
  return last
    ? `it said: ${last.slice(0, 600)}`
    : `run \`${commandLine}\` by hand to see why (its stderr is in the gateway log)`;
}

function isAuthRequired(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === -32000;
}

export function describeExit(info: ExitInfo): string {
  if (info.error) return `could not start (${info.error.message})`;
  if (info.signal) return `was stopped by ${info.signal}`;
  return `exited (code ${info.code})`;
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

/** `p`, unless the process exits or the deadline passes first. */
export function withDeadline<T>(
  p: Promise<T>,
  exited: Promise<ExitInfo>,
  timeoutMs: number,
  errors: { onExit: (info: ExitInfo) => Error; onTimeout: () => Error },
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const onExit = exited.then((info): never => {
    throw errors.onExit(info);
  });
  onExit.catch(() => {});
  return Promise.race([
    p,
    onExit,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(errors.onTimeout()), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
