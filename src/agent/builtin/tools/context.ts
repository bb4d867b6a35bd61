/** What every tool of one turn shares: the workspace, the limits, the chat, the turn's signal. */
import type { AgentIO } from "../../types.js";
import type { BuiltinAgentConfig } from "../config.js";
import type { Resolver } from "./netguard.js";
import type { CommandSandbox } from "./sandbox.js";

export type ToolLimits = BuiltinAgentConfig["tools"];

export interface ToolContext {
  /** The workspace directory (absolute). Every file tool is confined to it. */
  root: string;
  limits: ToolLimits;
  io: AgentIO;
  /** Environment for an unsandboxed run_command (owner without a sandbox, or `"sandbox": "off"`). */
  commandEnv: NodeJS.ProcessEnv;
  /** The contact's sandbox for run_command; without one, run_command is refused. */
  sandbox?: CommandSandbox;
  /** DNS for fetch_url (injectable for tests). */
  resolver?: Resolver;
}

/** Keep the head and the tail of long text (errors are usually at the end). */
export function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = Math.floor(maxChars * 0.6);
  const tail = maxChars - head;
  const dropped = text.length - head - tail;
  return `${text.slice(0, head)}\n… [${dropped} characters omitted] …\n${text.slice(text.length - tail)}`;
}
