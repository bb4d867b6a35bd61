import { describe, expect, it } from "vitest";
import { ACP_PRESET_NEEDS } from "../agent/acp/presets.js";
import { acpChecks } from "./agents.js";

describe("doctor's ACP lines", () => {
  const cmd = { command: "npx", args: ["-y", "@agentclientprotocol/claude-agent-acp@0.49.0"] };

  it("a Claude preset that needs a login: the failing agent line with its fix, where it ran, the modes, the Node it needs", () => {
    const checks = acpChecks(
      {
        ok: false,
        needsLogin: true,
        problem: "needs login",
        fix: "run `claude` …",
        agentInfo: { name: "@agentclientprotocol/claude-agent-acp", version: "0.49.0" },
        sandboxed: "bubblewrap 0.8.0 (/usr/bin/bwrap)",
        modes: { full: "default", "workspace-write": "default", "read-only": "plan" },
      },
      cmd,
      ACP_PRESET_NEEDS.claude,
      "claude",
    );
    expect(checks).toEqual([
      {
        name: "agent",
        ok: false,
        detail:
          "acp: npx -y @agentclientprotocol/claude-agent-acp@0.49.0: needs login (@agentclientprotocol/claude-agent-acp 0.49.0)",
        fix: "run `claude` …",
      },
      {
        name: "agent sandbox",
        ok: true,
        detail:
          "the agent ran as contacts' agents run: in bubblewrap 0.8.0 (/usr/bin/bwrap), its workspace only, $WXAGENT_HOME hidden, the environment allowlist",
      },
      {
        name: "agent modes",
        ok: true,
        detail: "full → `default`, workspace-write → `default`, read-only → `plan`",
      },
      {
        name: "agent node",
        ok: true,
        detail: `the claude preset needs Node >= 22 for 0.101.0; on Node 20 the preset pins 0.49.0; this is Node ${process.versions.node}`,
      },
    ]);
  });

  it("an agent without modes and warnings: the modes line says so, each warning is a line", () => {
    const checks = acpChecks(
      { ok: true, modes: { full: "" }, warnings: ["w1", "w2"] },
      cmd,
      undefined,
      undefined,
    );
    expect(checks.map((c) => c.name)).toEqual(["agent", "agent modes", "agent warning", "agent warning"]);
    expect(checks[1]?.detail).toBe("full → (no modes)");
  });
});
