/**
 * Permission presets as data: a map from tool name to `allow | ask | deny`, chosen per contact.
 * Shared by the built-in agent and the ACP agent (which maps its own permission requests onto
 * the same tool names). Unlocking (elevation above read-only for non-owners) lives in unlock.ts.
 */
import { z } from "zod";
import { trimEndWhere } from "../util/text.js";
import type { Contact } from "./types.js";

/** Every tool an agent may offer, by the name the model sees. */
export const TOOL_NAMES = [
  "list",
  "read",
  "search",
  "write",
  "edit",
  "run_command",
  "send_file",
  "fetch_url",
  "schedule",
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export type Permission = "allow" | "ask" | "deny";
export type Preset = Readonly<Record<ToolName, Permission>>;

export const PRESET_NAMES = ["read-only", "workspace-write", "full"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** The presets, least to most powerful (the order is used to cap a locked contact). */
export const PRESETS: Readonly<Record<PresetName, Preset>> = Object.freeze({
  "read-only": Object.freeze({
    list: "allow",
    read: "allow",
    search: "allow",
    write: "deny",
    edit: "deny",
    run_command: "deny",
    send_file: "deny",
    fetch_url: "deny",
    schedule: "deny",
  }),
  "workspace-write": Object.freeze({
    list: "allow",
    read: "allow",
    search: "allow",
    write: "allow",
    edit: "allow",
    run_command: "ask",
    send_file: "allow",
    fetch_url: "ask",
    schedule: "ask",
  }),
  full: Object.freeze({
    list: "allow",
    read: "allow",
    search: "allow",
    write: "allow",
    edit: "allow",
    run_command: "allow",
    send_file: "allow",
    fetch_url: "allow",
    schedule: "allow",
  }),
});

export const presetNameSchema = z.enum(PRESET_NAMES);

export function isPresetName(value: unknown): value is PresetName {
  return typeof value === "string" && (PRESET_NAMES as readonly string[]).includes(value);
}

/** Rank of a preset (0 = read-only); a locked non-owner is capped at rank 0. */
export function presetRank(name: PresetName): number {
  return PRESET_NAMES.indexOf(name);
}

/**
 * The OS sandbox of run_command (see README, Permissions). `"sandbox": "off"` is short for
 * `{"off": ["*"]}`: every contact whose preset is `full` runs commands unsandboxed. `off` lists
 * `"owner"`, user ids, or `"*"`; it is honoured only for a contact whose preset is `full`.
 */
export const sandboxConfigSchema = z.preprocess(
  (v) => (v === "off" ? { off: ["*"] } : v === "on" ? {} : v),
  z.object({
    off: z.array(z.string().min(1)).default([]),
    /** Memory of each process in the sandbox (RLIMIT_DATA on Linux). */
    memoryMb: z.number().int().positive().default(2048),
    /** Processes at once in one command's sandbox (fork bombs end here). */
    maxProcesses: z.number().int().positive().default(256),
    /** Largest file a command may write. */
    fileSizeMb: z.number().int().positive().default(1024),
    /** Size of the command's private /tmp. */
    tmpMb: z.number().int().positive().default(512),
  }),
);
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;
export const DEFAULT_SANDBOX_CONFIG: SandboxConfig = sandboxConfigSchema.parse({});

/**
 * Who gets which preset. Keys of `contacts` are WeChat user ids (`…@im.wechat`); keys of `groups`
 * are group ids. Precedence, first match wins:
 *   owner → `owner`; an admin-assigned preset (ContactRecord.preset) → that; `contacts[userId]`;
 *   user in `allowlist` → `allowlistPreset`; message from a group in `groups` → that;
 *   everyone else → `defaultPreset`.
 * A non-owner whose result is above read-only stays read-only until `/unlock` when `unlock` is set.
 */
export const permissionsConfigSchema = z.object({
  owner: presetNameSchema.default("full"),
  allowlist: z.array(z.string().min(1)).default([]),
  allowlistPreset: presetNameSchema.default("workspace-write"),
  defaultPreset: presetNameSchema.default("read-only"),
  contacts: z.record(z.string(), presetNameSchema).default({}),
  groups: z.record(z.string(), presetNameSchema).default({}),
  /**
   * Who answers a non-owner's `ask` approvals: the account's owner (default), or, as an explicit
   * opt-in, the contact who asked (who then approves its own commands: use only for people you trust
   * with the preset as if it said `allow`). The owner's own asks always go to the owner.
   */
  askTo: z.enum(["contact", "owner"]).default("owner"),
  askTimeoutMs: z.number().int().positive().default(120_000),
  /**
   * The `schedule` tool (reminders and scheduled messages) per preset, when not the preset's own
   * (read-only: deny, workspace-write: ask, full: allow), e.g. `{"workspace-write": "allow"}`.
   */
  schedule: z.partialRecord(presetNameSchema, z.enum(["allow", "ask", "deny"])).optional(),
  /** The sandbox of run_command (`"off"`, or limits and per-contact `off`; see sandboxConfigSchema). */
  sandbox: sandboxConfigSchema.optional(),
  /** Require `/unlock <passphrase>` before a non-owner gets more than read-only. */
  unlock: z
    .object({
      /** The passphrase itself (prefer `passphraseEnv` so it stays out of config.json). */
      passphrase: z.string().min(4).optional(),
      /** Name of an environment variable holding the passphrase. */
      passphraseEnv: z.string().min(1).optional(),
      durationMs: z
        .number()
        .int()
        .positive()
        .default(30 * 60_000),
      /** Failed attempts before a lockout, and how long it lasts. */
      maxFailures: z.number().int().positive().default(5),
      lockoutMs: z
        .number()
        .int()
        .positive()
        .default(15 * 60_000),
      /**
       * Wrong passphrases from all contacts of an account within `lockoutMs` before `/unlock` is
       * paused on that account for `lockoutMs` (guessing from many ids); the owner is told. Default 20.
       */
      accountMaxFailures: z.number().int().positive().optional(),
    })
    .optional(),
});
export type PermissionsConfig = z.infer<typeof permissionsConfigSchema>;
export type PermissionsConfigInput = z.input<typeof permissionsConfigSchema>;

export interface ResolvedPreset {
  name: PresetName;
  preset: Preset;
  /** Why this preset (for logs, `/whoami`, the admin UI). */
  reason: string;
  /** Set when the contact would get `wanted` but is capped at read-only until `/unlock`. */
  locked?: { wanted: PresetName };
}

export interface ResolvePresetOptions {
  /** A preset assigned by the operator (ContactRecord.preset); ignored when not a preset name. */
  assigned?: string;
  /** Until when this contact is unlocked (from the unlock state), if ever. */
  unlockedUntilMs?: number;
  nowMs?: number;
}

/** The preset for one contact under the config (see the precedence on `permissionsConfigSchema`). */
export function resolvePreset(
  contact: Contact,
  config: PermissionsConfig,
  options: ResolvePresetOptions = {},
): ResolvedPreset {
  const make = (n: PresetName, why: string) => withSchedule(n, why, config.schedule?.[n]);
  if (contact.isOwner) return make(config.owner, "owner");
  let name: PresetName;
  let reason: string;
  const fromContacts = config.contacts[contact.userId];
  const fromGroup = contact.groupId === undefined ? undefined : config.groups[contact.groupId];
  if (isPresetName(options.assigned)) {
    name = options.assigned;
    reason = "assigned";
  } else if (fromContacts) {
    name = fromContacts;
    reason = "contacts";
  } else if (config.allowlist.includes(contact.userId)) {
    name = config.allowlistPreset;
    reason = "allowlist";
  } else if (fromGroup) {
    name = fromGroup;
    reason = "group";
  } else {
    name = config.defaultPreset;
    reason = "default";
  }
  if (config.unlock && presetRank(name) > 0) {
    const now = options.nowMs ?? Date.now();
    const until = options.unlockedUntilMs;
    if (until === undefined || until <= now) {
      return { ...make("read-only", `${reason}, locked`), locked: { wanted: name } };
    }
  }
  return make(name, reason);
}

function withSchedule(name: PresetName, reason: string, schedule: Permission | undefined): ResolvedPreset {
  const base = PRESETS[name];
  const preset =
    schedule === undefined || schedule === base.schedule ? base : Object.freeze({ ...base, schedule });
  return { name, preset, reason };
}

/** The tools a preset offers the model at all (deny means not even offered). */
export function offeredTools(preset: Preset): ToolName[] {
  return TOOL_NAMES.filter((t) => preset[t] !== "deny");
}

/** Replies that approve an `ask` (case-insensitive, trimmed). Anything else, or silence, refuses. */
const YES = new Set(["y", "yes", "是", "好", "是的", "好的", "可以"]);

export function isApproval(answer: string | undefined): boolean {
  if (answer === undefined) return false;
  return YES.has(trimEndWhere(answer.trim().toLowerCase(), (c) => ".!。！".includes(c)));
}
