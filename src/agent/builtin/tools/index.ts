/**
 * The tool set of one turn: only tools the preset does not deny are offered, and every call goes
 * through the gate again (a forged call to a denied tool is refused; `ask` waits for the chat).
 */
import type { Tool, ToolExecutionOptions, ToolSet } from "ai";
import { relativeToWorkspace, rootSpellings } from "../../../shared/workspace/index.js";
import { messageOf } from "../../../shared/wx-error.js";
import { type Preset, TOOL_NAMES, type ToolName } from "../../presets.js";
import { runCommandTool } from "./command.js";
import type { ToolContext } from "./context.js";
import { fetchUrlTool } from "./fetch.js";
import { editTool, listTool, readTool, searchTool, sendFileTool, writeTool } from "./files.js";
import { scheduleTool } from "./schedule.js";

export type { ToolContext, ToolLimits } from "./context.js";

const FACTORIES: Record<ToolName, (ctx: ToolContext) => Tool> = {
  list: listTool as (ctx: ToolContext) => Tool,
  read: readTool as (ctx: ToolContext) => Tool,
  search: searchTool as (ctx: ToolContext) => Tool,
  write: writeTool as (ctx: ToolContext) => Tool,
  edit: editTool as (ctx: ToolContext) => Tool,
  run_command: runCommandTool as (ctx: ToolContext) => Tool,
  send_file: sendFileTool as (ctx: ToolContext) => Tool,
  fetch_url: fetchUrlTool as (ctx: ToolContext) => Tool,
  schedule: scheduleTool as (ctx: ToolContext) => Tool,
};

export interface ToolGate {
  preset: Preset;
  /**
   * Ask for approval of an `ask` tool; resolves true only on an explicit yes. `exact` is what will
   * run, verbatim (`exactCall`): the question must show it, never `summary`.
   */
  approve(name: ToolName, summary: string, signal?: AbortSignal, exact?: string): Promise<boolean>;
  /** Called as each permitted call starts (progress notes). */
  onCall?(name: ToolName, summary: string): void;
  /** Called when a call is refused (denied or not approved). */
  onRefused?(name: ToolName, summary: string, why: "denied" | "declined"): void;
}

/** A one-line description of a call, for progress notes and approval questions. */
export function summariseCall(name: string, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === "string" ? v : "");
  let arg: string;
  switch (name) {
    case "run_command":
      arg = s(i.command);
      break;
    case "fetch_url":
      arg = s(i.url);
      break;
    case "schedule":
      arg = [s(i.action), s(i.at) || s(i.in) || s(i.cron), s(i.text) || s(i.prompt)]
        .filter(Boolean)
        .join(" ");
      break;
    case "search":
      arg = `"${s(i.pattern)}"${i.path && i.path !== "." ? ` in ${s(i.path)}` : ""}`;
      break;
    default:
      arg = s(i.path) || ".";
  }
  // Cut before the whitespace is folded: the model's argument can be megabytes.
  const oneLine = arg.slice(0, 1000).replace(/\s+/g, " ").trim();
  const cut = oneLine.length > 160 || arg.length > 1000;
  return `${name} ${cut ? `${oneLine.slice(0, 160)}…` : oneLine}`.trim();
}

/**
 * Exactly what a call will do, for an approval question: the command or URL as the model wrote it
 * (newlines, length and everything else kept), else the arguments as JSON. Never cut or redacted.
 */
export function exactCall(name: string, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>;
  const only = (keys: string[]) => Object.keys(i).every((k) => keys.includes(k));
  if (name === "run_command" && typeof i.command === "string" && only(["command", "timeoutMs"])) {
    return i.timeoutMs === undefined ? i.command : `${i.command}\n(time limit ${String(i.timeoutMs)} ms)`;
  }
  if (name === "fetch_url" && typeof i.url === "string" && only(["url"])) return i.url;
  return JSON.stringify(input ?? {}, null, 2);
}

export const DECLINED_RESULT =
  "REFUSED: the user did not approve this call (they answered no, or did not answer in time). Do not retry it; say what you wanted to do and let the user decide.";
export const DENIED_RESULT = "REFUSED: this tool is not permitted for this contact.";

/**
 * A failed call's error as the model will read it: the workspace's host location removed, so
 * paths read relative to the workspace (Node's own errors name the absolute path). An abort
 * passes unchanged.
 */
export function toolFailure(err: unknown, roots: readonly string[]): unknown {
  if (err instanceof Error && err.name === "AbortError") return err;
  const message = messageOf(err);
  const shown = relativeToWorkspace(message, roots);
  return shown === message ? err : new Error(shown, { cause: err });
}

/** Build the offered tools for a workspace and a preset. */
export function buildTools(ctx: ToolContext, gate: ToolGate): ToolSet {
  const tools: ToolSet = {};
  const roots = rootSpellings(ctx.root);
  for (const name of TOOL_NAMES) {
    if (gate.preset[name] === "deny") continue;
    const inner = FACTORIES[name](ctx);
    const execute = inner.execute;
    if (!execute) continue;
    tools[name] = {
      ...inner,
      execute: async (input: unknown, options: ToolExecutionOptions) => {
        const summary = summariseCall(name, input);
        const permission = gate.preset[name];
        if (permission === "deny") {
          gate.onRefused?.(name, summary, "denied");
          return DENIED_RESULT;
        }
        if (
          permission === "ask" &&
          !(await gate.approve(name, summary, options.abortSignal, exactCall(name, input)))
        ) {
          gate.onRefused?.(name, summary, "declined");
          return DECLINED_RESULT;
        }
        gate.onCall?.(name, summary);
        try {
          return await execute(input, options);
        } catch (err) {
          throw toolFailure(err, roots);
        }
      },
    } as Tool;
  }
  return tools;
}
