/**
 * Logging an ACP agent in. Agents answer `session/new` or `session/prompt` with -32000
 * ("Authentication required") until someone logs in; some (Codex) also need `authenticate` with
 * their api-key method even when the key is in the environment. This names the exact fix for
 * the agent at hand, and finds the api-key method to send when its variable is set.
 */
import type { AuthMethod } from "@agentclientprotocol/sdk";

/**
 * Variables that api-key methods of the known adapters read, by method id. codex-acp 2.x offers
 * one `api-key` method (with `_meta: {"api-key": {"provider": "openai"}}`) and reads
 * CODEX_API_KEY, then OPENAI_API_KEY, from its own environment; 0.x had one method per variable.
 */
const METHOD_VARIABLES: Record<string, string[]> = {
  "codex-api-key": ["CODEX_API_KEY"],
  "openai-api-key": ["OPENAI_API_KEY"],
  "gemini-api-key": ["GEMINI_API_KEY"],
  "anthropic-api-key": ["ANTHROPIC_API_KEY"],
  "claude-api-key": ["ANTHROPIC_API_KEY"],
};

/** The `api-key` method's provider → the variables its adapter reads (codex-acp: both). */
const PROVIDER_VARIABLES: Record<string, string[]> = {
  openai: ["CODEX_API_KEY", "OPENAI_API_KEY"],
  anthropic: ["ANTHROPIC_API_KEY"],
  gemini: ["GEMINI_API_KEY"],
  google: ["GEMINI_API_KEY"],
};

/**
 * The fix per known agent: its login step and the key variables it accepts. The adapters do not
 * install the agent's own CLI, so each step says how to run it without one.
 */
const KNOWN_LOGINS: { match: RegExp; login: string; variables: string[] }[] = [
  {
    match: /claude/i,
    login: "run `claude` on this machine and log in with /login (if Claude Code is installed)",
    variables: ["ANTHROPIC_API_KEY"],
  },
  {
    match: /codex/i,
    login:
      "run `codex login` on this machine (`npx -y @openai/codex login` where the Codex CLI is not installed; add `--device-auth` where no browser opens)",
    variables: ["OPENAI_API_KEY", "CODEX_API_KEY"],
  },
  {
    match: /gemini/i,
    login: "run `gemini` once on this machine and choose a login",
    variables: ["GEMINI_API_KEY"],
  },
  { match: /qwen/i, login: "run `qwen` once on this machine and log in", variables: ["OPENAI_API_KEY"] },
  { match: /opencode/i, login: "run `opencode auth login` on this machine", variables: [] },
];

/** The variables one auth method reads (known ids, a provider in its `_meta`, else a `…_API_KEY` in its text). */
export function methodVariables(method: AuthMethod): string[] {
  const known = METHOD_VARIABLES[method.id];
  if (known) return known;
  if (!/api[-_ ]?key/i.test(`${method.id} ${method.name}`)) return [];
  const meta = method._meta?.[method.id] ?? method._meta?.["api-key"];
  const provider =
    typeof meta === "object" && meta !== null && "provider" in meta
      ? String(meta.provider).toLowerCase()
      : "";
  const fromProvider = PROVIDER_VARIABLES[provider];
  if (fromProvider) return fromProvider;
  const named = `${method.name} ${method.description ?? ""}`.match(/\b[A-Z][A-Z0-9_]*_API_KEY\b/g);
  if (named) return [...new Set(named)];
  return provider && /^[a-z][a-z0-9]*$/.test(provider) ? [`${provider.toUpperCase()}_API_KEY`] : [];
}

/** The api-key method to `authenticate` with, when one of its variables is set in `env`. */
export function apiKeyMethod(
  methods: AuthMethod[],
  env: Record<string, string | undefined>,
): { methodId: string; variable: string } | undefined {
  for (const method of methods) {
    if ("type" in method && method.type === "terminal") continue;
    const variable = methodVariables(method).find((v) => (env[v] ?? "").trim() !== "");
    if (variable) return { methodId: method.id, variable };
  }
  return undefined;
}

export interface LoginFixOptions {
  /** What to do once logged in. Default "send the message again". */
  next?: string;
  /**
   * Whether a variable set in the gateway's environment reaches the agent: a sandboxed agent gets
   * only the allowlist (`acp.sandbox.passEnv`). Unknown: assume it does.
   */
  reaches?: (variable: string) => boolean;
}

/**
 * What the owner does to log the agent in, in one sentence: the terminal logins the agent offers,
 * the known agent's login step, and the key variables it accepts, with what to add when the
 * sandbox would not pass them on.
 */
export function loginFix(
  agentName: string,
  commandLine: string,
  methods: AuthMethod[],
  options: LoginFixOptions = {},
): string {
  const known = KNOWN_LOGINS.find((k) => k.match.test(agentName) || k.match.test(commandLine));
  const variables = new Set(known?.variables ?? []);
  for (const m of methods) for (const v of methodVariables(m)) variables.add(v);
  const terminal = terminalLogins(commandLine, methods);
  // The agent's own terminal logins need nothing else installed: they go first.
  const parts = [...terminal, ...(known ? [known.login] : [])];
  if (parts.length === 0) {
    const names = methods.map((m) => m.name).join(", ");
    parts.push(`log in with the agent's own CLI on this machine${names ? ` (it offers: ${names})` : ""}`);
  }
  const keys = [...variables];
  let keyHint = "";
  if (keys.length > 0) {
    keyHint = `, or set ${keys.join(" or ")} in the gateway's environment (or "acp": {"env": {…}} in config.json)`;
    const blocked = keys.filter((k) => options.reaches?.(k) === false);
    if (blocked.length > 0) {
      keyHint += `; the sandbox passes a variable from the environment only when it is named in "acp": {"sandbox": {"passEnv": ${JSON.stringify(blocked)}}}`;
    }
  }
  return `${parts.join(", or ")}${keyHint}; then ${options.next ?? "send the message again"}`;
}

/**
 * The agent's terminal logins as one instruction each; methods that differ from the first only
 * in their last argument are folded into it (`--console` in place of `--claudeai` for …).
 */
function terminalLogins(commandLine: string, methods: AuthMethod[]): string[] {
  const terms = methods.flatMap((m) =>
    "type" in m && m.type === "terminal" ? [{ name: m.name, args: m.args ?? [] }] : [],
  );
  const first = terms[0];
  if (!first) return [];
  const sameStem = (args: string[]) =>
    args.length === first.args.length &&
    args.length > 0 &&
    args.slice(0, -1).every((a, i) => a === first.args[i]);
  const folded = terms.slice(1).filter((t) => sameStem(t.args));
  const rest = terms.slice(1).filter((t) => !sameStem(t.args));
  const line = (t: { name: string; args: string[] }) => `\`${[commandLine, ...t.args].join(" ")}\``;
  const alternatives = folded.map(
    (t) => `\`${t.args.at(-1)}\` in place of \`${first.args.at(-1)}\` for ${t.name}`,
  );
  return [
    `run ${line(first)} in a terminal (${[first.name, ...alternatives].join("; ")})`,
    ...rest.map((t) => `run ${line(t)} in a terminal (${t.name})`),
  ];
}
