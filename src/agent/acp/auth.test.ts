import { describe, expect, it } from "vitest";
import { apiKeyMethod, loginFix, methodVariables } from "./auth.js";

/** codex-acp 2.6.0's initialize answer (authMethods), as it came from the real adapter. */
const CODEX_26 = [
  {
    id: "api-key",
    name: "API Key",
    description: "Use an API key to authenticate",
    _meta: { "api-key": { provider: "openai" } },
  },
  { id: "chat-gpt", name: "ChatGPT", description: "Use ChatGPT to authenticate" },
];
/** claude-agent-acp 0.49.0's, for a client that advertises auth.terminal. */
const CLAUDE_049 = [
  {
    id: "claude-ai-login",
    type: "terminal" as const,
    name: "Claude Subscription",
    args: ["--cli", "auth", "login", "--claudeai"],
  },
  {
    id: "console-login",
    type: "terminal" as const,
    name: "Anthropic Console",
    args: ["--cli", "auth", "login", "--console"],
  },
];

describe("api-key methods", () => {
  it("codex-acp 2.x's one `api-key` method reads CODEX_API_KEY, then OPENAI_API_KEY", () => {
    expect(methodVariables(CODEX_26[0] as never)).toEqual(["CODEX_API_KEY", "OPENAI_API_KEY"]);
    expect(apiKeyMethod(CODEX_26, { OPENAI_API_KEY: "sk" })).toEqual({
      methodId: "api-key",
      variable: "OPENAI_API_KEY",
    });
    expect(apiKeyMethod(CODEX_26, { OPENAI_API_KEY: " " })).toBeUndefined();
    expect(apiKeyMethod(CLAUDE_049, { ANTHROPIC_API_KEY: "sk" })).toBeUndefined();
  });

  it("another provider named in _meta gives its <PROVIDER>_API_KEY; the older per-variable ids still work", () => {
    expect(
      methodVariables({ id: "api-key", name: "API Key", _meta: { "api-key": { provider: "mistral" } } }),
    ).toEqual(["MISTRAL_API_KEY"]);
    expect(methodVariables({ id: "openai-api-key", name: "Use OPENAI_API_KEY" })).toEqual(["OPENAI_API_KEY"]);
    expect(methodVariables({ id: "chat-gpt", name: "ChatGPT" })).toEqual([]);
  });
});

describe("loginFix", () => {
  it("Claude: the adapter's terminal login first (its two variants in one), then `claude` /login, then the key", () => {
    const fix = loginFix("@agentclientprotocol/claude-agent-acp", "npx -y pkg@0.49.0", CLAUDE_049, {
      next: "retry",
    });
    expect(fix).toBe(
      'run `npx -y pkg@0.49.0 --cli auth login --claudeai` in a terminal (Claude Subscription; `--console` in place of `--claudeai` for Anthropic Console), or run `claude` on this machine and log in with /login (if Claude Code is installed), or set ANTHROPIC_API_KEY in the gateway\'s environment (or "acp": {"env": {…}} in config.json); then retry',
    );
  });

  it("Codex in a sandbox that would not pass the key: the fix says to name it in passEnv", () => {
    const fix = loginFix("@agentclientprotocol/codex-acp", "codex-acp", CODEX_26, {
      reaches: (v) => v === "OPENAI_API_KEY",
    });
    expect(fix).toContain(
      "run `codex login` on this machine (`npx -y @openai/codex login` where the Codex CLI is not installed",
    );
    expect(fix).toContain("set OPENAI_API_KEY or CODEX_API_KEY");
    expect(fix).toContain('named in "acp": {"sandbox": {"passEnv": ["CODEX_API_KEY"]}}');
  });
});
