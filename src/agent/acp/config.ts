/**
 * Configuration of the ACP agent, and how the shared permission presets answer some of an ACP
 * agent's permission requests in advance (so reads need no round trip through the phone, say).
 */
import type { ToolKind } from "@agentclientprotocol/sdk";
import { z } from "zod";
import { agentSandboxSettingsSchema, type ProcessSandbox } from "../../shared/sandbox/agent-process.js";
import type { Logger } from "../../util/logger.js";
import {
  type Permission,
  PRESETS,
  type Preset,
  type PresetName,
  permissionsConfigSchema,
  resolvePreset,
  type ToolName,
} from "../presets.js";
import type { AgentSessionStore, Contact } from "../types.js";

/** How to start an ACP agent: a command line and extra environment. */
export interface AcpCommand {
  command: string;
  args?: string[];
  /** Added to (and overriding) the gateway's own environment. */
  env?: Record<string, string>;
}

/**
 * ACP names the kind of a tool call; the shared presets (../presets.ts) name tools. Each kind
 * answers to the preset entry of the tool that does the same thing, so one preset governs both
 * the built-in agent and ACP agents. Kinds with no obvious twin take the most guarded one.
 */
export const KIND_TO_TOOL: Readonly<Record<ToolKind, ToolName | "allow">> = {
  read: "read",
  search: "search",
  // Thinking touches nothing.
  think: "allow",
  fetch: "fetch_url",
  edit: "edit",
  delete: "write",
  move: "write",
  execute: "run_command",
  switch_mode: "run_command",
  other: "run_command",
};

export interface AcpAgentConfig extends AcpCommand {
  /** Name of this agent (session store key and logs). Default `acp`. */
  name?: string;
  /** `false`: no schedule/send_file MCP server is handed to the sessions (default: handed). */
  toolServer?: boolean;
  /** The agent's working directory: the same for everyone (`cwd`), or per contact (`cwdFor`). */
  cwd?: string;
  cwdFor?: (contact: Contact) => string;
  /** One process per contact (default) or one per account serving every contact's session. */
  scope?: "contact" | "account";
  /** Live processes at most; the least recently used idle one is stopped first. Default 4. */
  maxProcesses?: number;
  /** An idle process is stopped after this long. Default 30 min. */
  idleTimeoutMs?: number;
  /** How long a permission question waits for an answer before it is rejected. Default 120 000. */
  permissionTimeoutMs?: number;
  /** Starting the process and answering `initialize`. Default 60 000 (npx may download first). */
  startTimeoutMs?: number;
  /** After `/stop`, how long the agent gets to end its turn before its process is killed. Default 10 000. */
  cancelGraceMs?: number;
  /**
   * Permission answers given in advance (shared presets: tool → allow | ask | deny): one preset
   * or preset name for everyone, or one per contact (e.g. `c => resolvePreset(c, cfg).preset`),
   * which may read the store (a Promise). Default: the shared default permissions (owner `full`,
   * everyone else `read-only`).
   */
  presets?: Preset | PresetName | ((contact: Contact) => Preset | PresetName | Promise<Preset | PresetName>);
  /**
   * Who answers permission questions: the account's owner (default), or the contact who asked
   * (explicit opt-in: the contact then approves its own requests).
   */
  askTo?: "contact" | "owner";
  /**
   * The agent's session mode per preset name, when the automatic choice (modes.ts) is not wanted:
   * e.g. `{ full: "bypassPermissions" }`. A mode looser than the preset is ignored, except for a
   * preset that allows everything (the owner's `full`).
   */
  modes?: Partial<Record<PresetName, string>>;
  /**
   * Keeps each contact's ACP session id, so a restart resumes it through `session/load`: e.g. the
   * store's `sessions` table (async). Default: in memory, for as long as the gateway runs.
   */
  sessionStore?: AgentSessionStore;
  /** The OS sandbox of each agent process (the CLI builds it from `acp.sandbox`); absent: none. */
  sandbox?: ProcessSandbox;
  logger?: Logger;
}

const DEFAULT_PERMISSIONS = permissionsConfigSchema.parse({});

/** The preset that applies to one contact. */
export async function presetFor(presets: AcpAgentConfig["presets"], contact: Contact): Promise<Preset> {
  const chosen = typeof presets === "function" ? await presets(contact) : presets;
  if (chosen === undefined) return resolvePreset(contact, DEFAULT_PERMISSIONS).preset;
  return typeof chosen === "string" ? PRESETS[chosen] : chosen;
}

/** The answer a preset gives in advance for one tool kind (no kind counts as `other`). */
export function decide(preset: Preset, kind: ToolKind | null | undefined): Permission {
  const tool = KIND_TO_TOOL[kind ?? "other"] ?? "run_command";
  return tool === "allow" ? "allow" : preset[tool];
}

/**
 * Which ACP session a message belongs to: a group shares one session (its members talk to
 * the same assistant), a direct chat has its own.
 */
export function sessionKeyOf(contact: Contact): string {
  return contact.groupId ?? contact.userId;
}

/**
 * The `acp` section of config.json: a known agent by name (`"agent": "claude"`, see presets.ts)
 * or an explicit command line, plus the pool settings. Workspaces, presets and the session
 * store come from the rest of the gateway's config, not from here.
 */
export const acpSettingsSchema = z
  .object({
    agent: z.string().min(1).optional(),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    scope: z.enum(["contact", "account"]).default("contact"),
    maxProcesses: z.number().int().positive().default(4),
    idleTimeoutMs: z
      .number()
      .int()
      .nonnegative()
      .default(30 * 60_000),
    permissionTimeoutMs: z.number().int().positive().default(120_000),
    startTimeoutMs: z.number().int().positive().default(60_000),
    cancelGraceMs: z.number().int().positive().default(10_000),
    /** The agent process's OS sandbox (see src/shared/sandbox/agent-process.ts, README). */
    sandbox: agentSandboxSettingsSchema.prefault({}),
    /** Session mode per preset name (`{"full": "bypassPermissions"}`); see modes.ts. */
    modes: z
      .object({
        "read-only": z.string().min(1).optional(),
        "workspace-write": z.string().min(1).optional(),
        full: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .refine((s) => s.agent !== undefined || s.command !== undefined, {
    message: 'set "agent" (claude, codex, gemini, qwen, opencode) or "command"',
  });
export type AcpSettings = z.infer<typeof acpSettingsSchema>;
