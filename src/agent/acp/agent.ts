/**
 * The `acp` agent: Claude Code, Codex, Gemini CLI or any other ACP agent behind WeChat.
 * Processes live in a small pool (LRU bound plus idle timeout), each contact keeps one ACP
 * session, resumed through session/load after a restart when the agent can load sessions.
 */

import { systemLanguage } from "../../shared/i18n.js";
import { sequentialize } from "../../shared/sequentialize.js";
import { messageOf } from "../../shared/wx-error.js";
import { createLogger } from "../../util/logger.js";
import type { Preset } from "../presets.js";
import { agentWords } from "../texts.js";
import type { Agent, AgentInput, AgentIO, AgentReply, AgentSessionStore, Contact } from "../types.js";
import { type AcpAgentConfig, presetFor, sessionKeyOf } from "./config.js";
import { ContactMcp, type LiveTurn } from "./contact-mcp.js";
import { AcpError } from "./errors.js";
import { chooseMode, LEVEL_WORDS, presetLevel } from "./modes.js";
import { adapterVersionWarning } from "./presets.js";
import { AcpProcess, describeExit, type SessionBinding } from "./process.js";
import { buildPrompt } from "./prompt.js";
import { TurnRecorder } from "./turn.js";
import { Workspace } from "./workspace.js";

export const ACP_DEFAULTS = {
  name: "acp",
  scope: "contact",
  maxProcesses: 4,
  idleTimeoutMs: 30 * 60_000,
  permissionTimeoutMs: 120_000,
  startTimeoutMs: 60_000,
  cancelGraceMs: 10_000,
} as const;

/** A live (or starting) agent process, for status pages and tests. */
export interface AcpProcessInfo {
  /** `accountId` (scope account) or `accountId/session key` (scope contact). */
  key: string;
  pid: number | undefined;
  /** Turns running in it now. */
  busy: number;
  sessions: number;
}

export interface AcpAgent extends Agent {
  processes(): AcpProcessInfo[];
  /** The agent's own slash commands in this contact's session (for `/help`), once it named them. */
  commands(contact: Contact): { name: string; description: string }[];
}

/** What SessionStore keeps per contact. */
interface StoredSession {
  sessionId: string;
  /** The command line that created it: another agent cannot load it. */
  command: string;
}

interface Entry {
  key: string;
  /** Whether its sandbox lets it write the workspace (not for a read-only contact's own process). */
  writable: boolean;
  ready: Promise<AcpProcess>;
  proc?: AcpProcess;
  busy: number;
  idleTimer?: NodeJS.Timeout;
  /** Session key → the live session in this process. */
  sessions: Map<string, SessionBinding>;
}

export function createAcpAgent(config: AcpAgentConfig): AcpAgent {
  const name = config.name ?? ACP_DEFAULTS.name;
  const scope = config.scope ?? ACP_DEFAULTS.scope;
  const maxProcesses = Math.max(1, config.maxProcesses ?? ACP_DEFAULTS.maxProcesses);
  const idleTimeoutMs = config.idleTimeoutMs ?? ACP_DEFAULTS.idleTimeoutMs;
  const permissionTimeoutMs = config.permissionTimeoutMs ?? ACP_DEFAULTS.permissionTimeoutMs;
  const startTimeoutMs = config.startTimeoutMs ?? ACP_DEFAULTS.startTimeoutMs;
  const cancelGraceMs = config.cancelGraceMs ?? ACP_DEFAULTS.cancelGraceMs;
  const askTo = config.askTo ?? "owner";
  const logger = config.logger ?? createLogger("agent:acp");
  const store: AgentSessionStore = config.sessionStore ?? memorySessionStore();
  const commandLine = [config.command, ...(config.args ?? [])].join(" ");
  if (!config.cwd && !config.cwdFor) {
    throw new AcpError("ACP_SESSION_FAILED", "the ACP agent needs a workspace: set `cwd` or `cwdFor`");
  }

  /** The schedule and send_file tools handed to every session, scoped to its contact. */
  const toolServer = config.toolServer === false ? undefined : new ContactMcp(logger.child({ part: "mcp" }));
  let warnedNoHttp = false;
  /** Insertion order is recency: the first entry is the least recently used. */
  const entries = new Map<string, Entry>();
  const waiters: (() => void)[] = [];
  /** One turn per session at a time. */
  const locks = sequentialize((key: string) => key);
  let closed = false;

  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };

  function remove(entry: Entry): void {
    if (entries.get(entry.key) === entry) entries.delete(entry.key);
    clearTimeout(entry.idleTimer);
    entry.proc?.kill();
    wake();
  }

  function spawnEntry(key: string, cwd: string, writable: boolean): Entry {
    const started = AcpProcess.start({
      writable,
      command: config.command,
      ...(config.args ? { args: config.args } : {}),
      ...(config.env ? { env: config.env } : {}),
      cwd,
      logger: logger.child({ process: key }),
      startTimeoutMs,
      ...(config.sandbox ? { sandbox: config.sandbox } : {}),
    });
    const entry: Entry = {
      key,
      writable,
      busy: 0,
      sessions: new Map(),
      ready: started.then(
        (proc) => {
          entry.proc = proc;
          logger.info({ key, pid: proc.pid, agent: proc.agentInfo?.name }, "agent process started");
          const old = adapterVersionWarning(config, proc.agentInfo);
          if (old) logger.warn({ key, agentInfo: proc.agentInfo }, old);
          // A process that dies (crash, kill, idle stop) leaves the pool; the next turn starts another.
          void proc.exited.then(() => remove(entry));
          return proc;
        },
        (err: unknown) => {
          remove(entry);
          throw err;
        },
      ),
    };
    // The turn that started it observes failures; this keeps an unobserved rejection quiet.
    entry.ready.catch(() => {});
    entries.set(key, entry);
    return entry;
  }

  /** The entry for `key`, started if needed, counted busy until `release`. */
  async function acquire(key: string, cwd: string, writable: boolean): Promise<Entry> {
    for (;;) {
      if (closed) throw new AcpError("ACP_PROCESS_EXITED", "the ACP agent is shutting down");
      const found = entries.get(key);
      if (found && found.writable !== writable && found.busy === 0) {
        // The contact's preset changed (assigned, /unlock, expired): the sandbox must change too.
        logger.info({ key, writable }, "restarting the agent process: the contact may now write or not");
        remove(found);
        continue;
      }
      if (found && found.proc?.alive !== false) {
        entries.delete(key);
        entries.set(key, found);
        found.busy++;
        clearTimeout(found.idleTimer);
        return found;
      }
      if (found) remove(found);
      if (entries.size < maxProcesses) {
        const entry = spawnEntry(key, cwd, writable);
        entry.busy++;
        return entry;
      }
      const idle = [...entries.values()].find((e) => e.busy === 0);
      if (idle) {
        logger.info({ key: idle.key }, "stopping least recently used agent process");
        remove(idle);
        continue;
      }
      // Every process is mid-turn: wait for one to finish rather than exceed the bound.
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  function release(entry: Entry): void {
    entry.busy--;
    if (entry.busy > 0) return;
    if (entries.get(entry.key) === entry && idleTimeoutMs > 0) {
      entry.idleTimer = setTimeout(() => {
        if (entry.busy === 0) {
          logger.info({ key: entry.key }, "stopping idle agent process");
          remove(entry);
        }
      }, idleTimeoutMs);
      entry.idleTimer.unref();
    }
    wake();
  }

  /** Run `fn` after every earlier call with the same key (one turn per session at a time). */
  function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return locks.run(key, fn);
  }

  /** The session's running turn, as the tool server sees it when the agent calls a tool. */
  function liveTurn(contact: Contact): LiveTurn | undefined {
    const binding = entries.get(processKey(contact))?.sessions.get(sessionKeyOf(contact));
    const turn = binding?.turn;
    if (!binding || !turn) return undefined;
    const { io, preset } = turn.permission;
    return {
      io,
      preset,
      contact,
      workspaceRoot: binding.workspace.root,
      askTo,
      askTimeoutMs: permissionTimeoutMs,
    };
  }

  /** `mcpServers` for session/new and session/load: the tool server when the agent takes HTTP servers. */
  async function mcpServersFor(proc: AcpProcess, contact: Contact) {
    if (!toolServer) return [];
    if (proc.capabilities.mcpCapabilities?.http !== true) {
      if (!warnedNoHttp)
        logger.warn(
          { agent: proc.agentInfo?.name ?? commandLine },
          "the agent does not take HTTP MCP servers: the schedule and send_file tools are not offered to it",
        );
      warnedNoHttp = true;
      return [];
    }
    return [await toolServer.serverFor(() => liveTurn(contact))];
  }

  async function ensureSession(
    entry: Entry,
    proc: AcpProcess,
    contact: Contact,
    workspace: Workspace,
    preset: Preset,
  ): Promise<SessionBinding> {
    const key = sessionKeyOf(contact);
    const live = entry.sessions.get(key);
    if (live && proc.sessions.get(live.sessionId) === live) return live;
    const stored = readStored((await store.get(contact.accountId, key, name))?.data);
    const mcpServers = await mcpServersFor(proc, contact);
    if (stored && stored.command === commandLine && proc.capabilities.loadSession) {
      try {
        const loaded = await proc.loadSession(stored.sessionId, workspace, preset, mcpServers);
        logger.info({ sessionId: stored.sessionId }, "resumed session with session/load");
        entry.sessions.set(key, loaded);
        return loaded;
      } catch (err) {
        logger.warn({ err: messageOf(err) }, "session/load failed; starting a new session");
        if (!proc.alive) throw err;
      }
    }
    const fresh = await proc.newSession(workspace, preset, mcpServers);
    const data: StoredSession = { sessionId: fresh.sessionId, command: commandLine };
    await store.put(contact.accountId, key, name, data, Date.now());
    entry.sessions.set(key, fresh);
    return fresh;
  }

  function processKey(contact: Contact): string {
    return scope === "account" ? contact.accountId : `${contact.accountId}/${sessionKeyOf(contact)}`;
  }

  async function turn(input: AgentInput, io: AgentIO): Promise<AgentReply> {
    const { contact } = input;
    const lang = contact.language ?? systemLanguage();
    const w = agentWords(lang);
    if (input.signal.aborted) return { text: w.stopped };
    const workspace = await Workspace.open(config.cwdFor ? config.cwdFor(contact) : (config.cwd as string));
    const spawnCwd = scope === "account" && config.cwd ? config.cwd : workspace.root;
    const preset = await presetFor(config.presets, contact);
    // A read-only contact's own process cannot write its workspace even if the agent ignores its
    // mode. A group's session (members with different presets) and scope `account` share one.
    const writable = scope === "account" || contact.groupId !== undefined || presetLevel(preset) > 0;
    const entry = await acquire(processKey(contact), spawnCwd, writable);
    try {
      const proc = await entry.ready;
      const binding = await ensureSession(entry, proc, contact, workspace, preset);
      binding.preset = preset;
      // The preset binds the agent through its session mode, checked before every prompt.
      const choice = chooseMode(binding.modes, preset, proc.agentInfo?.name ?? commandLine, config.modes);
      if (!choice.ok) {
        logger.warn(
          { key: entry.key, reason: choice.reason },
          "turn refused: no session mode fits the preset",
        );
        return { text: w.cannotHere({ reason: choice.reason }) };
      }
      await proc.applyMode(binding, choice);
      logger.debug(
        { key: entry.key, mode: choice.mode.id, means: LEVEL_WORDS[choice.level] },
        "session mode",
      );
      const recorder = new TurnRecorder(io, { workspace, lang });
      const prompt = await buildPrompt(input, proc.capabilities);
      const outcome = await proc.prompt(
        binding,
        prompt,
        {
          recorder,
          permission: { io, preset, askTo, timeoutMs: permissionTimeoutMs, signal: input.signal, lang },
        },
        input.signal,
        cancelGraceMs,
      );
      if (binding.modeViolation) {
        return recorder.stopped(w.modeViolation({ mode: binding.modeViolation }));
      }
      if ("stopReason" in outcome) return recorder.reply(outcome.stopReason);
      // Killed after ignoring /stop: still a stop from the user's point of view.
      if (input.signal.aborted) return recorder.reply("cancelled");
      logger.warn({ key: entry.key, exit: describeExit(outcome.exited) }, "agent process died mid-turn");
      return recorder.crashed(w.crashed({ how: describeExit(outcome.exited) }));
    } catch (err) {
      if (err instanceof AcpError && err.code === "ACP_AUTH_REQUIRED") {
        logger.error({ key: entry.key, err: err.message }, "the agent needs a login");
        // The owner can fix it; anyone else only needs to know it is not their fault.
        return {
          text: contact.isOwner
            ? w.notLoggedIn({ fix: err.message.replace(/^the agent needs a login: /, "") })
            : w.notSetUp,
        };
      }
      if (err instanceof AcpError && err.code === "ACP_MODE_FAILED") {
        logger.warn({ key: entry.key, err: err.message }, "turn refused: the agent would not take the mode");
        return { text: w.cannotHere({ reason: err.message }) };
      }
      throw err;
    } finally {
      release(entry);
    }
  }

  return {
    name,
    run(input, io) {
      return withLock(`${input.contact.accountId}/${sessionKeyOf(input.contact)}`, () => turn(input, io));
    },
    async reset(contact) {
      const key = sessionKeyOf(contact);
      await withLock(`${contact.accountId}/${key}`, async () => {
        await store.remove(contact.accountId, key, name);
        const entry = entries.get(processKey(contact));
        const live = entry?.sessions.get(key);
        if (!entry || !live) return;
        entry.sessions.delete(key);
        await entry.proc?.closeSession(live.sessionId);
      });
    },
    async close() {
      closed = true;
      await toolServer?.close();
      const all = [...entries.values()];
      for (const entry of all) remove(entry);
      await Promise.all(
        all.map((e) =>
          e.ready.then(
            (proc) => proc.exited,
            () => undefined,
          ),
        ),
      );
    },
    commands(contact) {
      const entry = entries.get(processKey(contact));
      const live = entry?.sessions.get(sessionKeyOf(contact));
      return (live?.commands ?? []).map((c) => ({ name: c.name, description: c.description }));
    },
    processes() {
      return [...entries.values()].map((e) => ({
        key: e.key,
        pid: e.proc?.pid,
        busy: e.busy,
        sessions: e.sessions.size,
      }));
    },
  };
}

function readStored(data: unknown): StoredSession | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const { sessionId, command } = data as Record<string, unknown>;
  return typeof sessionId === "string" && typeof command === "string" ? { sessionId, command } : undefined;
}

/** Without a store, sessions still survive a crashed process for as long as the gateway runs. */
function memorySessionStore(): AgentSessionStore {
  const map = new Map<string, { data: unknown; updatedAtMs: number }>();
  const k = (a: string, u: string, n: string) => `${a}\u0000${u}\u0000${n}`;
  return {
    async get(accountId, userId, agent) {
      return map.get(k(accountId, userId, agent));
    },
    async put(accountId, userId, agent, data, atMs) {
      map.set(k(accountId, userId, agent), { data, updatedAtMs: atMs });
    },
    async remove(accountId, userId, agent) {
      map.delete(k(accountId, userId, agent));
    },
  };
}
