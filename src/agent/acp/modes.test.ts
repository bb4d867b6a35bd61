import { describe, expect, it } from "vitest";
import { PRESETS, type Preset } from "../presets.js";
import { chooseMode, type ModeSurface, modeLevel, modeSurfaceOf, presetLevel } from "./modes.js";

const claude: ModeSurface = {
  via: "set_mode",
  currentModeId: "auto",
  modes: ["auto", "default", "acceptEdits", "plan", "bypassPermissions"].map((id) => ({ id, name: id })),
};
/** codex-acp 2.6.0's session/new: it starts in `agent` ("Auto review"). */
const codex: ModeSurface = {
  via: "set_mode",
  currentModeId: "agent",
  modes: ["read-only", "workspace-write", "agent", "agent-full-access"].map((id) => ({ id, name: id })),
};
/** codex-acp 0.x. */
const codexOld: ModeSurface = {
  via: "set_mode",
  currentModeId: "auto",
  modes: ["read-only", "auto", "full-access"].map((id) => ({ id, name: id })),
};

function chosen(
  surface: ModeSurface | undefined,
  preset: Preset,
  agent = "claude-agent-acp",
  configured = {},
) {
  const c = chooseMode(surface, preset, agent, configured);
  return c.ok ? c.mode.id : `refused: ${c.reason}`;
}

describe("session modes for presets", () => {
  it("places the known adapters' modes; unknown ones count as unrestricted", () => {
    expect(modeLevel("plan")).toBe(0);
    expect(modeLevel("default")).toBe(1);
    expect(modeLevel("acceptEdits")).toBe(2);
    expect(modeLevel("auto", "codex-acp")).toBe(3);
    expect(modeLevel("workspace-write", "@agentclientprotocol/codex-acp")).toBe(3);
    expect(modeLevel("agent", "@agentclientprotocol/codex-acp")).toBe(4);
    expect(modeLevel("agent-full-access")).toBe(4);
    expect(modeLevel("dontAsk")).toBe(4);
    expect(modeLevel("auto", "@agentclientprotocol/claude-agent-acp")).toBe(4);
    expect(modeLevel("bypassPermissions")).toBe(4);
    expect(modeLevel("build")).toBe(4);
    expect(presetLevel(PRESETS["read-only"])).toBe(0);
    expect(presetLevel(PRESETS["workspace-write"])).toBe(2);
    expect(presetLevel(PRESETS.full)).toBe(3);
  });

  it("Claude: read-only → plan, workspace-write → default, full → default; never auto", () => {
    expect(chosen(claude, PRESETS["read-only"])).toBe("plan");
    expect(chosen(claude, PRESETS["workspace-write"])).toBe("default");
    expect(chosen(claude, PRESETS.full)).toBe("default");
  });

  it("a configured mode wins only when it fits; bypassPermissions only for a preset that allows everything", () => {
    const cfg = { full: "bypassPermissions", "workspace-write": "bypassPermissions", "read-only": "default" };
    expect(chosen(claude, PRESETS.full, "claude", cfg)).toBe("bypassPermissions");
    expect(chosen(claude, PRESETS["workspace-write"], "claude", cfg)).toBe("default");
    expect(chosen(claude, PRESETS["read-only"], "claude", cfg)).toBe("plan");
    expect(chosen(claude, PRESETS["workspace-write"], "claude", { "workspace-write": "acceptEdits" })).toBe(
      "acceptEdits",
    );
  });

  it("Codex 2.x: read-only → read-only, full → workspace-write, workspace-write (asks before commands) → read-only; never its `agent` start mode", () => {
    const name = "@agentclientprotocol/codex-acp";
    expect(chosen(codex, PRESETS["read-only"], name)).toBe("read-only");
    expect(chosen(codex, PRESETS.full, name)).toBe("workspace-write");
    expect(chosen(codex, PRESETS["workspace-write"], name)).toBe("read-only");
  });

  it("Codex 0.x: full → its sandboxed auto", () => {
    expect(chosen(codexOld, PRESETS["read-only"], "codex-acp")).toBe("read-only");
    expect(chosen(codexOld, PRESETS.full, "codex-acp")).toBe("auto");
  });

  it("refuses when nothing fits: no modes for a limited contact, or only loose modes", () => {
    expect(chosen(undefined, PRESETS["read-only"])).toMatch(
      /^refused: this agent offers no permission modes/,
    );
    expect(chosen(undefined, PRESETS.full)).toBe("");
    const loose: ModeSurface = {
      via: "set_mode",
      currentModeId: "yolo",
      modes: [{ id: "yolo", name: "YOLO" }],
    };
    expect(chosen(loose, PRESETS["read-only"])).toMatch(/^refused: the agent offers no mode that keeps to/);
  });

  it("reads modes from `modes` or from a `mode` config option", () => {
    expect(
      modeSurfaceOf({ modes: { currentModeId: "a", availableModes: [{ id: "a", name: "A" }] } })?.via,
    ).toBe("set_mode");
    const fromConfig = modeSurfaceOf({
      configOptions: [
        {
          id: "permission",
          name: "Mode",
          category: "mode",
          type: "select",
          currentValue: "auto",
          options: [
            {
              group: "g",
              name: "G",
              options: [
                { value: "plan", name: "Plan" },
                { value: "auto", name: "Auto" },
              ],
            },
          ],
        },
      ],
    });
    expect(fromConfig).toMatchObject({ via: "config_option", configId: "permission", currentModeId: "auto" });
    expect(fromConfig?.modes.map((m) => m.id)).toEqual(["plan", "auto"]);
    expect(modeSurfaceOf({})).toBeUndefined();
  });
});
