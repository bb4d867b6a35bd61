/**
 * Command lines of well-known ACP agents, so a config can say `"agent": "claude"`.
 *
 * Package names move: Zed's `@zed-industries/claude-code-acp` became `claude-agent-acp` and then
 * `@agentclientprotocol/claude-agent-acp`; the old names are frozen and print deprecation
 * warnings (wechat-acp #20 broke on exactly this). Codex's adapter likewise moved from
 * `@zed-industries/codex-acp` to `@agentclientprotocol/codex-acp`. Gemini CLI replaced
 * `--experimental-acp` with `--acp` (0.33+). Checked against the ACP registry, 2026-11.
 * The npx presets pin a version (below): an unpinned npx picks whatever fits the Node in use.
 * A global install (`npm i -g …`) starts faster than npx and works offline: set `command`
 * to the installed binary (`claude-agent-acp`, `codex-acp`) to use it.
 */
import type { AcpCommand, AcpSettings } from "./config.js";
import { AcpError } from "./errors.js";

/**
 * Adapter versions the presets pin, checked with `npm view <pkg> versions engines` (2026-12):
 * claude-agent-acp 0.50.0 and later declare `engines.node >=22`, so on Node 20 an unpinned
 * `npx -y` silently resolves 0.49.0 (the last without the constraint); the preset pins the
 * version that fits the Node in use instead of leaving it to npx. codex-acp ships a native binary
 * and declares no Node engine. Gemini CLI needs Node >= 20, Qwen Code >= 22.
 */
export const CLAUDE_ACP_PACKAGE = "@agentclientprotocol/claude-agent-acp";
export const CODEX_ACP_PACKAGE = "@agentclientprotocol/codex-acp";
/** The newest claude-agent-acp known to work, and the newest that runs on Node 20 (< 22). */
export const CLAUDE_ACP_VERSION = "0.101.0";
export const CLAUDE_ACP_VERSION_NODE20 = "0.49.0";
export const CODEX_ACP_VERSION = "2.6.0";

/** What each preset needs on this machine: Node, and the login step (README "ACP agents"). */
export const ACP_PRESET_NEEDS: Readonly<Record<string, { node: string; login: string }>> = {
  claude: {
    node: `Node >= 22 for ${CLAUDE_ACP_VERSION}; on Node 20 the preset pins ${CLAUDE_ACP_VERSION_NODE20}`,
    login: "run `claude` once and /login, or set ANTHROPIC_API_KEY",
  },
  codex: {
    node: "Node >= 20 (npx only; the adapter is a native binary)",
    login: "run `codex login`, or set OPENAI_API_KEY",
  },
  gemini: { node: "Node >= 20", login: "run `gemini` once and choose a login, or set GEMINI_API_KEY" },
  qwen: { node: "Node >= 22", login: "run `qwen` once and log in" },
  opencode: { node: "any (native binary)", login: "run `opencode auth login`" },
};

function nodeMajor(version = process.versions.node): number {
  return Number.parseInt(version.split(".")[0] ?? "0", 10);
}

/** The claude-agent-acp version that fits a Node version. */
export function claudeAcpVersionFor(nodeVersion = process.versions.node): string {
  return nodeMajor(nodeVersion) >= 22 ? CLAUDE_ACP_VERSION : CLAUDE_ACP_VERSION_NODE20;
}

function presetsFor(nodeVersion: string) {
  return {
    /** Claude Code through the Claude Agent SDK (needs `claude` logged in, or ANTHROPIC_API_KEY). */
    claude: { command: "npx", args: ["-y", `${CLAUDE_ACP_PACKAGE}@${claudeAcpVersionFor(nodeVersion)}`] },
    /** OpenAI Codex (ChatGPT login, or CODEX_API_KEY / OPENAI_API_KEY). */
    codex: { command: "npx", args: ["-y", `${CODEX_ACP_PACKAGE}@${CODEX_ACP_VERSION}`] },
    /** Gemini CLI, installed (`npm i -g @google/gemini-cli`) and logged in. */
    gemini: { command: "gemini", args: ["--acp"] },
    /** Qwen Code, installed (`npm i -g @qwen-code/qwen-code`). */
    qwen: { command: "qwen", args: ["--acp"] },
    /** OpenCode, installed. */
    opencode: { command: "opencode", args: ["acp"] },
  } satisfies Record<string, AcpCommand>;
}

/** The presets for the Node this gateway runs on. */
export const ACP_COMMAND_PRESETS: Readonly<Record<keyof ReturnType<typeof presetsFor>, AcpCommand>> =
  presetsFor(process.versions.node);

/**
 * The adapter version a command line should start, when it names a known adapter package:
 * the pinned version, else the one that fits this Node. Used to warn about an older adapter.
 */
export function expectedAdapter(
  command: AcpCommand,
  nodeVersion = process.versions.node,
): { package: string; version: string } | undefined {
  for (const arg of command.args ?? []) {
    for (const [pkg, fallback] of [
      [CLAUDE_ACP_PACKAGE, claudeAcpVersionFor(nodeVersion)],
      [CODEX_ACP_PACKAGE, CODEX_ACP_VERSION],
    ] as const) {
      if (arg === pkg) return { package: pkg, version: fallback };
      if (arg.startsWith(`${pkg}@`)) {
        const pinned = arg.slice(pkg.length + 1);
        if (/^\d+\.\d+\.\d+/.test(pinned)) return { package: pkg, version: pinned };
        return { package: pkg, version: fallback };
      }
    }
  }
  return undefined;
}

/** A warning when the adapter that answered is older than the one the command line expects. */
export function adapterVersionWarning(
  command: AcpCommand,
  agentInfo: { name: string; version: string } | undefined,
  nodeVersion = process.versions.node,
): string | undefined {
  const expected = expectedAdapter(command, nodeVersion);
  if (!expected || !agentInfo) return undefined;
  if (compareVersions(agentInfo.version, expected.version) >= 0) return undefined;
  return `${expected.package} answered as ${agentInfo.version}, older than the ${expected.version} expected: npx may have reused a cached or Node-limited version; run \`npx -y ${expected.package}@${expected.version}\` once, or install it globally and set "command"`;
}

/** Compare dotted versions numerically (1.10.0 > 1.9.0); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export type AcpCommandPresetName = keyof typeof ACP_COMMAND_PRESETS;

export function isAcpCommandPreset(name: string): name is AcpCommandPresetName {
  return Object.hasOwn(ACP_COMMAND_PRESETS, name);
}

/** A preset by name as a fresh, mutable command (unknown names: undefined). */
export function acpCommandPreset(name: string): AcpCommand | undefined {
  if (!isAcpCommandPreset(name)) return undefined;
  const preset: AcpCommand = ACP_COMMAND_PRESETS[name];
  return { command: preset.command, args: [...(preset.args ?? [])] };
}

/**
 * The command line of parsed settings: `command`/`args` win over `agent`, `env` is added to
 * either. An unknown agent name is an error that lists the known ones.
 */
export function resolveAcpCommand(
  settings: Pick<AcpSettings, "agent" | "command" | "args" | "env">,
): AcpCommand {
  let base: AcpCommand | undefined;
  if (settings.command) base = { command: settings.command, args: settings.args ?? [] };
  else if (settings.agent) base = acpCommandPreset(settings.agent);
  if (!base) {
    const known = Object.keys(ACP_COMMAND_PRESETS).join(", ");
    throw new AcpError(
      "ACP_SPAWN_FAILED",
      `unknown ACP agent "${settings.agent ?? ""}": use one of ${known}, or set "command" in the acp config`,
    );
  }
  return settings.env ? { ...base, env: settings.env } : base;
}
