/** Test doubles for the ACP agent: the fake agent's command line, a scripted AgentIO, a store. */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AgentIO, AgentSessionStore, AskOptions, Contact } from "../../types.js";
import type { AcpCommand } from "../config.js";

const here = dirname(fileURLToPath(import.meta.url));
/** tsx by absolute URL: the agent runs in a workspace where `tsx` would not resolve. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface FakeAgentOptions {
  loadSession?: boolean;
  /** Where sessions are kept between processes (needed for session/load). */
  stateDir?: string;
  /** Every method the fake receives is appended here. */
  logFile?: string;
  /** The modes it offers (default claude-like). */
  modes?: "claude" | "codex" | "config" | "none";
  /** The mode sessions start in (default `default`; codex-like: `auto`). */
  startMode?: string;
  /** Refuse session/new with -32000 until logged in, as the Claude or Codex adapter does. */
  auth?: "claude" | "codex";
  /** The -32000 comes from session/prompt instead. */
  authOnPrompt?: boolean;
  agentName?: string;
  agentVersion?: string;
  /** Send available_commands_update after session/new. */
  commands?: boolean;
  /** Answer session/set_mode with an error. */
  refuseSetMode?: boolean;
  /** Every prompt reports an unreachable API and never ends until cancelled. */
  hang?: boolean;
  /** At start, try to read this path, write in the cwd and see secrets; results to the log. */
  probe?: string;
  /** Take HTTP MCP servers; `mcp TOOL {json}` calls one. */
  mcpHttp?: boolean;
}

export function fakeAgentCommand(options: FakeAgentOptions = {}): AcpCommand {
  const args = ["--import", tsxLoader, join(here, "fake-agent.ts")];
  if (options.loadSession) args.push("--load-session");
  if (options.stateDir) args.push("--state", options.stateDir);
  if (options.logFile) args.push("--log", options.logFile);
  if (options.modes) args.push("--modes", options.modes);
  if (options.startMode) args.push("--start-mode", options.startMode);
  if (options.auth) args.push("--auth", options.auth);
  if (options.authOnPrompt) args.push("--auth-on-prompt");
  if (options.agentName) args.push("--agent-name", options.agentName);
  if (options.agentVersion) args.push("--agent-version", options.agentVersion);
  if (options.commands) args.push("--commands");
  if (options.refuseSetMode) args.push("--refuse-set-mode");
  if (options.hang) args.push("--hang");
  if (options.probe) args.push("--probe", options.probe);
  if (options.mcpHttp) args.push("--mcp-http");
  return { command: process.execPath, args };
}

export function readLog(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** An answer to a question: a reply, silence (`undefined`), or never answering at all. */
export type ScriptedAnswer = string | undefined | "<never>";

/** AgentIO that records what the agent shows the user and answers questions from a script. */
export class FakeIO implements AgentIO {
  readonly progressLines: string[] = [];
  readonly questions: { question: string; options?: AskOptions }[] = [];
  readonly sentFiles: { path: string; caption?: string }[] = [];
  private readonly progressListeners: ((line: string) => void)[] = [];
  private readonly questionListeners: (() => void)[] = [];

  constructor(private readonly answers: ScriptedAnswer[] = []) {}

  progress(text: string): void {
    this.progressLines.push(text);
    for (const l of this.progressListeners) l(text);
  }

  async sendFile(path: string, caption?: string): Promise<void> {
    this.sentFiles.push(caption === undefined ? { path } : { path, caption });
  }

  ask(question: string, options?: AskOptions): Promise<string | undefined> {
    this.questions.push(options ? { question, options } : { question });
    for (const l of this.questionListeners.splice(0)) l();
    const answer = this.answers.shift();
    if (answer === "<never>") return new Promise(() => {});
    return Promise.resolve(answer);
  }

  /** Resolves once a question has been asked. */
  waitForQuestion(): Promise<void> {
    if (this.questions.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.questionListeners.push(resolve));
  }

  /** Resolves when a progress line containing `text` has been shown. */
  waitForProgress(text: string): Promise<void> {
    if (this.progressLines.some((l) => l.includes(text))) return Promise.resolve();
    return new Promise((resolve) => {
      this.progressListeners.push((line) => {
        if (line.includes(text)) resolve();
      });
    });
  }
}

export function memorySessionStore(): AgentSessionStore & { size(): number } {
  const map = new Map<string, { data: unknown; updatedAtMs: number }>();
  const key = (a: string, u: string, n: string) => `${a}|${u}|${n}`;
  return {
    get: async (accountId, userId, agent) => map.get(key(accountId, userId, agent)),
    put: async (accountId, userId, agent, data, atMs) => {
      map.set(key(accountId, userId, agent), { data, updatedAtMs: atMs });
    },
    remove: async (accountId, userId, agent) => {
      map.delete(key(accountId, userId, agent));
    },
    size: () => map.size,
  };
}

export function contact(userId: string, accountId = "acc1"): Contact {
  return { accountId, userId, isOwner: false };
}
