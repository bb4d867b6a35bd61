/**
 * Choosing and building the agent for `wxagent start`, and the agent checks of `wxagent doctor`.
 * Precedence: `--agent` > config `agent` > automatic (built-in when a model is configured or a
 * local Ollama answers, else echo).
 */
// Settings schemas and presets are light; the AI SDK and the ACP SDK load only when their agent
// is chosen (`await import` below), which keeps an echo gateway's memory small.
import { join } from "node:path";
import { acpSettingsSchema } from "../agent/acp/config.js";
import type { AcpCheckResult } from "../agent/acp/doctor.js";
import { builtinAgentConfigSchema } from "../agent/builtin/config.js";
import { createEchoAgent } from "../agent/echo.js";
import { permissionsConfigSchema, resolvePreset } from "../agent/presets.js";
import type { Agent } from "../agent/types.js";
import { unlockStoreFromContacts } from "../agent/unlock.js";
import { workspaceDirFor } from "../agent/workspace.js";
import type { Config } from "../config/index.js";
import { agentSandboxFor } from "../shared/sandbox/agent-process.js";
import { messageOf } from "../shared/wx-error.js";
import { type AsyncStore, toAsyncStore } from "../store/async.js";
import type { HomePaths } from "../store/index.js";
import type { Store } from "../store/types.js";
import type { Check } from "./commands/doctor.js";
import { CliError } from "./errors.js";

export type AgentKind = "echo" | "builtin" | "acp";

export interface AgentChoice {
  kind: AgentKind;
  /** Why this agent, for the start banner ("configured", "Ollama found on 127.0.0.1:11434", …). */
  why: string;
  /** The built-in agent's config after automatic detection. */
  builtin?: Config["builtin"];
}

const OLLAMA_URL = "http://127.0.0.1:11434/v1";

/** A local Ollama (or any OpenAI-compatible server on its port) and its first model, if one answers. */
export async function detectOllama(signal?: AbortSignal): Promise<string | undefined> {
  try {
    const res = await fetch(`${OLLAMA_URL}/models`, {
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(800)]) : AbortSignal.timeout(800),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { data?: { id?: string }[] };
    return body.data?.find((m) => typeof m.id === "string")?.id;
  } catch {
    return undefined;
  }
}

export async function chooseAgent(config: Config, flag: AgentKind | undefined): Promise<AgentChoice> {
  if (flag) return { kind: flag, why: "--agent", ...(config.builtin ? { builtin: config.builtin } : {}) };
  if (config.agent)
    return { kind: config.agent, why: "config.json", ...(config.builtin ? { builtin: config.builtin } : {}) };
  if (config.builtin) return { kind: "builtin", why: "a model is configured", builtin: config.builtin };
  const model = await detectOllama();
  if (model) {
    return {
      kind: "builtin",
      why: `a local model server answers on ${OLLAMA_URL} (model ${model})`,
      builtin: builtinAgentConfigSchema.parse({
        provider: "openai-compatible",
        baseUrl: OLLAMA_URL,
        model,
        apiKey: "ollama",
      }),
    };
  }
  return { kind: "echo", why: "no model configured" };
}

export interface BuildAgentOptions {
  choice: AgentChoice;
  config: Config;
  paths: HomePaths;
  /** SQLite's synchronous store (wrapped with `toAsyncStore`) or an async one (PostgreSQL's). */
  store: Store | AsyncStore;
  echoDelayMs?: number;
}

export async function buildAgent(o: BuildAgentOptions): Promise<Agent> {
  const store = toAsyncStore(o.store);
  switch (o.choice.kind) {
    case "echo":
      return createEchoAgent({ delayMs: o.echoDelayMs ?? o.config.echo.delayMs });
    case "builtin": {
      const builtin = o.choice.builtin;
      if (!builtin) {
        throw new CliError(
          'the built-in agent needs a model: add "builtin": {"provider": "openai-compatible", "baseUrl": "…/v1", "model": "…", "apiKeyEnv": "…"} to config.json (see README)',
        );
      }
      const { checkModel, createBuiltinAgent } = await import("../agent/builtin/index.js");
      const check = await checkModel(builtin, { timeoutMs: 8000 });
      if (!check.ok)
        throw new CliError(`built-in agent: ${check.problem}${check.fix ? `; ${check.fix}` : ""}`);
      return createBuiltinAgent({
        config: o.config.permissions ? { ...builtin, permissions: o.config.permissions } : builtin,
        home: o.paths.home,
        unlockStore: unlockStoreFromContacts(store.contacts),
        assignedPreset: async (c) => (await store.contacts.get(c.accountId, c.userId))?.preset,
        sessionStore: store.sessions,
      });
    }
    case "acp":
      return buildAcpAgent(o, store);
  }
}

/**
 * How `start` launches the ACP agent, and `doctor` too, so that "doctor passes" means the first
 * message works: the command line, the same OS sandbox (login dirs, env allowlist, hidden
 * `$WXAGENT_HOME`) and the configured modes.
 */
async function acpLaunch(config: Config, paths: HomePaths) {
  const { resolveAcpCommand } = await import("../agent/acp/index.js");
  if (!config.acp) {
    throw new CliError(
      'the acp agent needs a command: add "acp": {"agent": "claude"} (or codex, gemini, qwen, opencode; or "command" and "args") to config.json',
    );
  }
  const settings = acpSettingsSchema.parse(config.acp);
  const sandbox = agentSandboxFor(settings.sandbox, {
    ...(settings.agent ? { agent: settings.agent } : {}),
    hide: [paths.home, join(paths.home, "workspaces")],
  });
  return { settings, command: resolveAcpCommand(settings), sandbox };
}

async function buildAcpAgent(o: BuildAgentOptions, store: AsyncStore): Promise<Agent> {
  const { createAcpAgent, startTimeoutFor } = await import("../agent/acp/index.js");
  const { settings, command, sandbox } = await acpLaunch(o.config, o.paths);
  const permissions = permissionsConfigSchema.parse(
    o.config.permissions ?? o.config.builtin?.permissions ?? {},
  );
  const unlock = unlockStoreFromContacts(store.contacts);
  const { agent: _name, sandbox: _sandbox, command: _command, args: _args, env: _env, ...rest } = settings;
  return createAcpAgent({
    ...command,
    ...rest,
    // npx killed while it downloads leaves its copy broken: give the first start time.
    startTimeoutMs: startTimeoutFor(command.command, settings.startTimeoutMs),
    sandbox,
    cwdFor: (c) => workspaceDirFor(c, { home: o.paths.home }),
    presets: async (c) => {
      const [record, state] = await Promise.all([store.contacts.get(c.accountId, c.userId), unlock.get(c)]);
      const assigned = record?.preset;
      const unlockedUntilMs = state?.unlockedUntilMs;
      return resolvePreset(c, permissions, {
        ...(assigned ? { assigned } : {}),
        ...(unlockedUntilMs ? { unlockedUntilMs } : {}),
      }).preset;
    },
    askTo: permissions.askTo,
    permissionTimeoutMs: permissions.askTimeoutMs,
    sessionStore: store.sessions,
  });
}

/** `wxagent doctor`: the configured agent, checked the way `start` would. */
export async function checkAgent(config: Config, paths: HomePaths, signal: AbortSignal): Promise<Check[]> {
  const choice = await chooseAgent(config, undefined);
  if (choice.kind === "echo") {
    return [
      {
        name: "agent",
        ok: true,
        detail: "echo (no model configured)",
        fix: 'configure a model in config.json ("builtin": {…}) or run Ollama locally; see README "The built-in agent"',
      },
    ];
  }
  if (choice.kind === "builtin" && choice.builtin) {
    const { checkModel } = await import("../agent/builtin/index.js");
    const r = await checkModel(choice.builtin, { signal, timeoutMs: 8000 });
    return [
      {
        name: "agent",
        ok: r.ok,
        detail: r.ok
          ? `built-in, ${r.provider} model ${r.model}${r.baseUrl ? ` at ${r.baseUrl}` : ""}${r.warning ? ` (${r.warning})` : ""}`
          : `built-in: ${r.problem}`,
        ...(r.fix ? { fix: r.fix } : {}),
      },
    ];
  }
  if (choice.kind === "acp" && config.acp) {
    try {
      const { ACP_PRESET_NEEDS, checkAcpCommand, startTimeoutFor } = await import("../agent/acp/index.js");
      const { settings, command: cmd, sandbox } = await acpLaunch(config, paths);
      const preset = settings.command ? undefined : settings.agent;
      // What the first message does, the way it does it: same sandbox, environment and modes.
      const r = await checkAcpCommand(cmd, {
        signal,
        timeoutMs: startTimeoutFor(cmd.command, settings.startTimeoutMs),
        workspacesDir: join(paths.home, "workspaces"),
        sandbox,
        ...(settings.modes ? { modes: settings.modes } : {}),
        ...(preset ? { preset } : {}),
      });
      return acpChecks(r, cmd, preset ? ACP_PRESET_NEEDS[preset] : undefined, preset);
    } catch (err) {
      return [
        {
          name: "agent",
          ok: false,
          detail: `acp: ${messageOf(err)}`,
          fix: 'fix the "acp" section of config.json',
        },
      ];
    }
  }
  return [
    {
      name: "agent",
      ok: false,
      detail: `${choice.kind}: not configured`,
      fix: `add a "${choice.kind}" section to config.json (see README)`,
    },
  ];
}

/** The doctor lines of one ACP check: the agent, where it runs, its modes, Node, warnings. */
export function acpChecks(
  r: AcpCheckResult,
  cmd: { command: string; args?: string[] },
  needs: { node: string } | undefined,
  preset: string | undefined,
): Check[] {
  const line = `${cmd.command} ${(cmd.args ?? []).join(" ")}`.trim();
  const who = r.agentInfo ? ` (${r.agentInfo.name} ${r.agentInfo.version})` : "";
  const checks: Check[] = [
    {
      name: "agent",
      ok: r.ok,
      detail: r.ok
        ? `acp: ${line} answers${who}${r.reply ? `; test prompt answered "${r.reply}"` : ""}${r.loadSession ? "; sessions survive restarts" : ""}`
        : `acp: ${line}: ${r.problem}${who}`,
      ...(r.fix ? { fix: r.fix } : {}),
    },
  ];
  if (r.sandboxed) {
    checks.push({
      name: "agent sandbox",
      ok: true,
      detail: `the agent ran as contacts' agents run: in ${r.sandboxed}, its workspace only, $WXAGENT_HOME hidden, the environment allowlist`,
    });
  }
  const modes = Object.entries(r.modes ?? {});
  if (modes.length > 0) {
    checks.push({
      name: "agent modes",
      ok: true,
      detail: modes.map(([p, m]) => `${p} → ${m ? `\`${m}\`` : "(no modes)"}`).join(", "),
    });
  }
  if (needs) {
    checks.push({
      name: "agent node",
      ok: true,
      detail: `the ${preset} preset needs ${needs.node}; this is Node ${process.versions.node}`,
    });
  }
  for (const w of r.warnings ?? []) checks.push({ name: "agent warning", ok: true, detail: w });
  return checks;
}
