/**
 * Command lines of well-known ACP agents, so a config can say `"agent": "claude"`.
 *
 * Package names move: Zed's `@zed-industries/claude-code-acp` became `claude-agent-acp` and then
 * `@agentclientprotocol/claude-agent-acp`; the old names are frozen and print deprecation
 * warnings (wechat-acp #20 broke on exactly this). Codex's adapter likewise moved from
 * `@zed-industries/codex-acp` to `@agentclientprotocol/codex-acp`. Gemini CLI replaced
 * `--experimental-acp` with `--acp` (0.33+). Checked against the ACP registry, 2026-11.
 * A global install (`npm i -g …`) starts faster than npx and works offline: set `command`
 * to the installed binary (`claude-agent-acp`, `codex-acp`) to use it.
 */
import type { AcpCommand, AcpSettings } from "./config.js";
import { AcpError } from "./errors.js";

export const ACP_COMMAND_PRESETS = {
  /** Claude Code through the Claude Agent SDK (needs `claude` logged in, or ANTHROPIC_API_KEY). */
  claude: { command: "npx", args: ["-y", "@agentclientprotocol/claude-agent-acp"] },
  /** OpenAI Codex (ChatGPT login, or CODEX_API_KEY / OPENAI_API_KEY). */
  codex: { command: "npx", args: ["-y", "@agentclientprotocol/codex-acp"] },
  /** Gemini CLI, installed (`npm i -g @google/gemini-cli`) and logged in. */
  gemini: { command: "gemini", args: ["--acp"] },
  /** Qwen Code, installed (`npm i -g @qwen-code/qwen-code`). */
  qwen: { command: "qwen", args: ["--acp"] },
  /** OpenCode, installed. */
  opencode: { command: "opencode", args: ["acp"] },
} as const satisfies Record<string, AcpCommand>;

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
      "acp_spawn_failed",
      `unknown ACP agent "${settings.agent ?? ""}": use one of ${known}, or set "command" in the acp config`,
    );
  }
  return settings.env ? { ...base, env: settings.env } : base;
}
