/**
 * Which sandbox a contact's run_command gets. The rule (also in the README, Permissions):
 *   - the workspace is read-write for workspace-write and full, read-only otherwise;
 *   - network only when the preset allows fetch_url without asking (`full`);
 *   - `$WXAGENT_HOME`, the workspaces root and (for non-owners) the owner's workspace are hidden;
 *   - `"sandbox": "off"` is honoured only for a contact whose preset is `full`;
 *   - with no sandbox on the machine, the owner's command runs unsandboxed (logged once), every
 *     other contact's is refused with how to install one.
 */
import { realpath } from "node:fs/promises";
import { join } from "node:path";
import {
  INSTALL_FIX_LINUX,
  type SandboxLimits,
  type SandboxStatus,
  sandboxEnv,
} from "../../../shared/sandbox/index.js";
import type { ResolvedPreset, SandboxConfig } from "../../presets.js";
import type { Contact } from "../../types.js";
import type { ToolContext } from "./context.js";

export interface CommandSandbox {
  /** Run as the gateway's user (configured `"sandbox": "off"` for a `full` contact). */
  off: boolean;
  /** With no sandbox on the machine: run unsandboxed (the owner) instead of refusing. */
  unsandboxedFallback: boolean;
  writable: boolean;
  network: boolean;
  /** Hidden inside (`$WXAGENT_HOME`, the workspaces root, the owner's workspace); may not exist. */
  hide: readonly string[];
  limits: SandboxLimits;
  /** Where the allowlisted variables (PATH, LANG, …) come from. */
  hostEnv: NodeJS.ProcessEnv;
  status: () => Promise<SandboxStatus>;
}

const MB = 1024 * 1024;

/** Whether the config turns the sandbox off for this contact (read with the preset: only `full`). */
export function sandboxOffFor(contact: Contact, config: SandboxConfig): boolean {
  return config.off.includes("*") || config.off.includes(contact.isOwner ? "owner" : contact.userId);
}

export interface CommandSandboxOptions {
  contact: Contact;
  preset: ResolvedPreset;
  config: SandboxConfig;
  /** `$WXAGENT_HOME`. */
  home: string;
  /** Parent of per-contact workspaces (default `<home>/workspaces`). */
  workspacesRoot?: string;
  /** The owner's workspace when configured (hidden from everyone else). */
  ownerDir?: string;
  hostEnv: NodeJS.ProcessEnv;
  status: () => Promise<SandboxStatus>;
}

export function commandSandboxFor(o: CommandSandboxOptions): CommandSandbox {
  const hide = [o.home, o.workspacesRoot ?? join(o.home, "workspaces")];
  if (o.ownerDir && !o.contact.isOwner) hide.push(o.ownerDir);
  return {
    off: o.preset.name === "full" && sandboxOffFor(o.contact, o.config),
    unsandboxedFallback: o.contact.isOwner,
    writable: o.preset.name !== "read-only",
    network: o.preset.preset.fetch_url === "allow",
    hide,
    limits: {
      memoryBytes: o.config.memoryMb * MB,
      maxProcesses: o.config.maxProcesses,
      fileSizeBytes: o.config.fileSizeMb * MB,
      tmpBytes: o.config.tmpMb * MB,
    },
    hostEnv: o.hostEnv,
    status: o.status,
  };
}

export type PreparedCommand =
  | { refused: string }
  | {
      refused?: undefined;
      file: string;
      args: string[];
      env: NodeJS.ProcessEnv;
      /** Set when it runs without a sandbox: why. */
      unsandboxed?: string;
      dispose(): Promise<void>;
    };

const noop = async () => {};

async function realOrSelf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

export function refusalText(reason: string, fix: string): string {
  return `REFUSED: run_command needs an OS sandbox for this contact and the gateway's machine has none (${reason}). Nothing ran. Tell the user that the gateway's owner can ${fix}.`;
}

/** The process to start for `command` under the context's sandbox, or the refusal to return. */
export async function prepareCommand(ctx: ToolContext, command: string): Promise<PreparedCommand> {
  const sb = ctx.sandbox;
  const plain = (why: string): PreparedCommand => ({
    file: "/bin/sh",
    args: ["-c", command],
    env: ctx.commandEnv,
    unsandboxed: why,
    dispose: noop,
  });
  if (!sb) return { refused: refusalText("no sandbox was configured for this agent", INSTALL_FIX_LINUX) };
  if (sb.off) return plain('"sandbox": "off" in the permissions config');
  const status = await sb.status();
  if (!status.available) {
    if (sb.unsandboxedFallback) return plain(status.reason);
    return { refused: refusalText(status.reason, status.fix) };
  }
  const workspace = await realpath(ctx.root);
  const hide = await Promise.all(sb.hide.map(realOrSelf));
  const wrapped = await status.sandbox.wrap(
    {
      workspace,
      writable: sb.writable,
      network: sb.network,
      hide: hide.filter((h) => h !== workspace),
      limits: sb.limits,
      env: sandboxEnv(sb.hostEnv, { home: workspace }),
    },
    ["/bin/sh", "-c", command],
  );
  return { file: wrapped.file, args: wrapped.args, env: wrapped.env, dispose: wrapped.dispose };
}
