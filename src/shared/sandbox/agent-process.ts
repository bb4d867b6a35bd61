/**
 * An agent process (an ACP agent such as `claude-agent-acp`, `codex-acp`, `gemini --acp`) in the
 * same sandbox as run_command: its working directory read-write, the system and its own
 * installation read-only, its login dirs read-write, the network on (it needs its model API),
 * `$WXAGENT_HOME` and the other workspaces out of sight, and an environment of the allowlist
 * plus the variables the config passes explicitly.
 *
 * `mode`: `auto` (default) sandboxes where the machine has a sandbox and otherwise starts the
 * agent as before with a warning; `on` refuses to start without one; `off` never sandboxes.
 */
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join } from "node:path";
import { z } from "zod";
import { WxError } from "../wx-error.js";
import { findProgram, systemSandbox } from "./detect.js";
import { isInside } from "./paths.js";
import { type SandboxStatus, sandboxEnv } from "./policy.js";

export const agentSandboxSettingsSchema = z.object({
  mode: z.enum(["auto", "on", "off"]).default("auto"),
  /** Read-write inside (login and cache dirs); `~/` is the gateway user's home. */
  allowPaths: z.array(z.string().min(1)).default([]),
  /** Read-only inside (an installation outside /usr and the node prefix). */
  readPaths: z.array(z.string().min(1)).default([]),
  /** Names of the gateway's environment variables to pass in (API keys the agent needs). */
  passEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
});
export type AgentSandboxSettings = z.infer<typeof agentSandboxSettingsSchema>;

/** Login dirs and key variables of the agents `acp.agent` knows by name, added to the config's. */
export const KNOWN_AGENT_SANDBOX: Readonly<Record<string, { allowPaths: string[]; passEnv: string[] }>> = {
  claude: {
    allowPaths: ["~/.claude", "~/.claude.json", "~/.config/claude", "~/.npm"],
    passEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"],
  },
  // codex-acp's api-key login reads CODEX_API_KEY, then OPENAI_API_KEY.
  codex: {
    allowPaths: ["~/.codex", "~/.npm"],
    passEnv: ["CODEX_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_HOME"],
  },
  gemini: {
    allowPaths: ["~/.gemini"],
    passEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT"],
  },
  qwen: { allowPaths: ["~/.qwen"], passEnv: ["DASHSCOPE_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"] },
  opencode: {
    allowPaths: ["~/.local/share/opencode", "~/.config/opencode", "~/.cache/opencode"],
    passEnv: ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"],
  },
};

/** Passed to every agent process when set: it needs its model API, through a proxy if there is one. */
export const PROXY_ENV = [
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "all_proxy",
  "no_proxy",
] as const;

export interface ProcessSandbox {
  mode: "auto" | "on" | "off";
  writePaths: readonly string[];
  readPaths: readonly string[];
  passEnv: readonly string[];
  /** `$WXAGENT_HOME` and the workspaces root. */
  hide: readonly string[];
  status?: () => Promise<SandboxStatus>;
  hostEnv?: NodeJS.ProcessEnv;
}

export class SandboxError extends WxError<"SANDBOX_UNAVAILABLE"> {
  override readonly name = "SandboxError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("SANDBOX_UNAVAILABLE", message, options);
  }
}

/** `~/x` against the gateway user's home; other paths as given. */
export function expandHome(path: string, home = homedir()): string {
  return path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The installation to show read-only for a program: the prefix two levels above its real path
 * (`…/node/v20/bin/node` → `…/node/v20`), or only its directory when that prefix would be `/`,
 * the user's home or a parent of it.
 */
export function installDir(program: string, home = homedir()): string {
  const p = real(program);
  const prefix = dirname(dirname(p));
  const tooWide = prefix === "/" || isInside(prefix, home) || dirname(prefix) === "/";
  return tooWide && !prefix.startsWith("/usr") ? dirname(p) : prefix;
}

export interface SpawnSpec {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Set when the process runs sandboxed (a description of the sandbox). */
  sandboxed?: string;
  /** Set when `auto` found no sandbox: why. */
  unsandboxed?: string;
  /** Whether a variable of the gateway's environment reaches the process (sandboxed: only the allowlist). */
  passes(name: string): boolean;
  dispose(): Promise<void>;
}

/**
 * What to spawn for `command args` in `cwd` under `sandbox`; without one (or `off`), the command
 * itself with the gateway's environment plus `env`, as before. Throws SandboxError in `on` mode
 * when no sandbox works.
 */
export async function agentSpawnSpec(
  sandbox: ProcessSandbox | undefined,
  cmd: {
    command: string;
    args?: readonly string[];
    cwd: string;
    env?: Readonly<Record<string, string>>;
    /** Whether the process may write its cwd (the workspace); default true. */
    writable?: boolean;
  },
): Promise<SpawnSpec> {
  const hostEnv = sandbox?.hostEnv ?? process.env;
  const plain = (unsandboxed?: string): SpawnSpec => ({
    file: cmd.command,
    args: [...(cmd.args ?? [])],
    env: { ...hostEnv, ...cmd.env },
    ...(unsandboxed ? { unsandboxed } : {}),
    passes: () => true,
    dispose: async () => {},
  });
  if (!sandbox || sandbox.mode === "off") return plain();
  const status = await (sandbox.status ?? systemSandbox)();
  if (!status.available) {
    if (sandbox.mode === "on") {
      throw new SandboxError(
        `the agent must run sandboxed (acp.sandbox.mode "on") but ${status.reason}: ${status.fix}`,
      );
    }
    return plain(status.reason);
  }
  const home = hostEnv.HOME ?? homedir();
  const program = isAbsolute(cmd.command) ? cmd.command : findProgram(cmd.command, { PATH: hostEnv.PATH });
  if (!program)
    throw new SandboxError(`\`${cmd.command}\` is not on PATH; set the ACP command to a full path`);
  const readPaths = [installDir(process.execPath, home), installDir(program, home), ...sandbox.readPaths];
  const writePaths = [...sandbox.writePaths];
  if (basename(program) === "npx") writePaths.push(join(home, ".npm"));
  for (const p of writePaths) ensureLoginDir(expandHome(p, home));
  const passed: Record<string, string> = {};
  for (const name of sandbox.passEnv) {
    const v = hostEnv[name];
    if (v !== undefined) passed[name] = v;
  }
  const cwd = real(cmd.cwd);
  const wrapped = await status.sandbox.wrap(
    {
      workspace: cwd,
      writable: cmd.writable ?? true,
      network: true,
      readPaths: readPaths.map((p) => real(expandHome(p, home))),
      writePaths: writePaths.map((p) => real(expandHome(p, home))),
      hide: sandbox.hide.map(real).filter((h) => h !== cwd),
      limits: {},
      env: sandboxEnv(hostEnv, { home, extra: { ...passed, ...cmd.env } }),
    },
    [program, ...(cmd.args ?? [])],
  );
  const passes = (name: string) => sandbox.passEnv.includes(name) || Object.hasOwn(cmd.env ?? {}, name);
  return { ...wrapped, sandboxed: status.sandbox.description, passes };
}

/**
 * Create a missing login or cache directory before it is mounted. A path that does not exist is
 * not mounted, so the agent would write it into the sandbox's own scratch space and lose it at
 * exit: measured with a new user's HOME, npx downloaded the adapter again on every start and
 * `~/.npm` never appeared. Files (`~/.claude.json`) are left for their program to create.
 */
export function ensureLoginDir(path: string): void {
  const name = basename(path).replace(/^\.+/, "");
  if (existsSync(path) || /\.[A-Za-z0-9]+$/.test(name)) return;
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch {
    // Not creatable (a read-only home): the sandbox then lacks it, as before.
  }
}

/** The ProcessSandbox of the `acp` config: its settings plus those of a known agent. */
export function agentSandboxFor(
  settings: AgentSandboxSettings,
  o: { agent?: string; hide: readonly string[] },
): ProcessSandbox {
  const known = o.agent ? KNOWN_AGENT_SANDBOX[o.agent] : undefined;
  return {
    mode: settings.mode,
    writePaths: [...(known?.allowPaths ?? []), ...settings.allowPaths],
    readPaths: settings.readPaths,
    passEnv: [...PROXY_ENV, ...(known?.passEnv ?? []), ...settings.passEnv],
    hide: o.hide,
  };
}
