/**
 * Session modes bind an ACP agent to the contact's preset. Agents decide on their own whether a
 * tool call needs a `session/request_permission` (Claude's `auto` and `bypassPermissions` never
 * ask), so the preset is not enough: each session is put in the agent's mode that lets it do no
 * more than the preset allows without asking, and kept there.
 *
 * A mode's level is what the agent does in it *without asking*:
 *   0 read-only    cannot write or run (Claude `plan`, Codex `read-only`: it runs read-only
 *                  commands in its own sandbox and asks before anything else)
 *   1 ask          asks before every edit and command (Claude `default`)
 *   2 edit         edits without asking, asks before commands (Claude `acceptEdits`, Gemini `autoEdit`)
 *   3 workspace    edits and runs commands in the workspace without asking (Codex 2.x
 *                  `workspace-write`, Codex 0.x `auto`)
 *   4 unrestricted anything, or a model decides instead of asking (Claude `auto`, `dontAsk`,
 *                  `bypassPermissions`; Codex 2.x `agent` (its "Auto review" start mode: a
 *                  reviewer model approves what would be asked) and `agent-full-access`; `yolo`)
 * Unknown modes count as unrestricted: wxagent only chooses modes it can place. Checked against
 * claude-agent-acp 0.49.0 and codex-acp 2.6.0 (their session/new answers).
 */
import type { SessionConfigOption, SessionModeState } from "@agentclientprotocol/sdk";
import { PRESETS, type Preset, type PresetName } from "../presets.js";

export type ModeLevel = 0 | 1 | 2 | 3 | 4;

export const LEVEL_WORDS: Record<ModeLevel, string> = {
  0: "cannot write or run commands",
  1: "asks before every edit and command",
  2: "edits without asking, asks before commands",
  3: "edits and runs commands in the workspace without asking",
  4: "does anything without asking",
};

/** Mode ids of the adapters wxagent knows, by the level they grant. */
const KNOWN_LEVELS: Record<string, ModeLevel> = {
  plan: 0,
  "read-only": 0,
  readonly: 0,
  default: 1,
  ask: 1,
  acceptEdits: 2,
  autoEdit: 2,
  "auto-edit": 2,
  auto_edit: 2,
  "workspace-write": 3,
  bypassPermissions: 4,
  dontAsk: 4,
  auto: 4,
  yolo: 4,
  "full-access": 4,
  agent: 4,
  "agent-full-access": 4,
};

export interface AgentMode {
  id: string;
  name: string;
  description?: string | null;
}

/** Where an agent's modes are and how to switch them: `session/set_mode` or a `mode` config option. */
export interface ModeSurface {
  via: "set_mode" | "config_option";
  /** The config option's id (via `config_option`). */
  configId?: string;
  modes: AgentMode[];
  currentModeId: string;
}

/** The level of one mode of an agent (`agentName` from initialize; Codex's `auto` is sandboxed). */
export function modeLevel(modeId: string, agentName = ""): ModeLevel {
  if (modeId === "auto" && /codex/i.test(agentName)) return 3;
  const known = KNOWN_LEVELS[modeId];
  if (known !== undefined) return known;
  if (/plan|read[-_ ]?only/i.test(modeId)) return 0;
  return 4;
}

/** The modes a session/new or session/load answer offers (the stable `modes` first). */
export function modeSurfaceOf(res: {
  modes?: SessionModeState | null;
  configOptions?: SessionConfigOption[] | null;
}): ModeSurface | undefined {
  if (res.modes && res.modes.availableModes.length > 0) {
    return {
      via: "set_mode",
      modes: res.modes.availableModes.map((m) => ({
        id: m.id,
        name: m.name,
        description: m.description ?? null,
      })),
      currentModeId: res.modes.currentModeId,
    };
  }
  const option = modeOption(res.configOptions);
  if (option?.type !== "select") return undefined;
  const flat = option.options.flatMap((o) => ("group" in o ? o.options : [o]));
  if (flat.length === 0) return undefined;
  return {
    via: "config_option",
    configId: option.id,
    modes: flat.map((o) => ({ id: o.value, name: o.name, description: o.description ?? null })),
    currentModeId: option.currentValue,
  };
}

/** The config option of category `mode`, if any. */
export function modeOption(
  options: SessionConfigOption[] | null | undefined,
): SessionConfigOption | undefined {
  return options?.find((o) => o.category === "mode");
}

/** The highest level a preset allows (what the agent may do without asking). */
export function presetLevel(preset: Preset): ModeLevel {
  const writes = preset.write === "allow" && preset.edit === "allow";
  if (preset.write === "deny" && preset.edit === "deny" && preset.run_command === "deny") return 0;
  if (writes && preset.run_command === "allow") return 3;
  if (writes) return 2;
  return 1;
}

/** The preset's name when it is one of the named presets. */
export function presetNameOf(preset: Preset): PresetName | undefined {
  for (const [name, p] of Object.entries(PRESETS) as [PresetName, Preset][]) {
    if (p === preset || JSON.stringify(p) === JSON.stringify(preset)) return name;
  }
  return undefined;
}

export type ModeChoice = { ok: true; mode: AgentMode; level: ModeLevel } | { ok: false; reason: string };

/**
 * The mode a session of a contact with `preset` goes in: the most restrictive mode that still
 * lets the preset's allowances work (read-only → level 0; otherwise an asking mode first, so
 * every edit and command comes back to wxagent as a permission request the preset judges).
 * `configured` (config `acp.modes`, per preset name) wins when it fits; only a preset that
 * allows everything may be given an unrestricted mode, and only through `configured`.
 */
export function chooseMode(
  surface: ModeSurface | undefined,
  preset: Preset,
  agentName: string,
  configured?: Partial<Record<PresetName, string>>,
): ModeChoice {
  const max = presetLevel(preset);
  const name = presetNameOf(preset);
  if (!surface) {
    if (max >= 3) return { ok: true, mode: { id: "", name: "(none)" }, level: 3 };
    return {
      ok: false,
      reason: `this agent offers no permission modes, so wxagent cannot keep it to what you may do here (${name ?? "a limited preset"}); the owner can switch to an agent that has modes (claude, codex, gemini)`,
    };
  }
  const wanted = name ? configured?.[name] : undefined;
  if (wanted) {
    const mode = surface.modes.find((m) => m.id === wanted);
    const level = modeLevel(wanted, agentName);
    const allowsAll = Object.values(preset).every((p) => p === "allow");
    if (mode && (level <= max || allowsAll)) return { ok: true, mode, level };
  }
  const order: ModeLevel[] = max === 0 ? [0] : ([1, 2, 3].filter((l) => l <= max) as ModeLevel[]).concat(0);
  for (const level of order) {
    const mode = surface.modes.find((m) => modeLevel(m.id, agentName) === level);
    if (mode) return { ok: true, mode, level };
  }
  const offered = surface.modes.map((m) => m.id).join(", ");
  return {
    ok: false,
    reason: `the agent offers no mode that keeps to what you may do here (${name ?? "this preset"}: it ${LEVEL_WORDS[max]} at most; the agent offers ${offered})`,
  };
}
