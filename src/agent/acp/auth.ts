/**
 * Logging an ACP agent in. Agents answer `session/new` or `session/prompt` with -32000
 * ("Authentication required") until someone logs in; some (Codex) also need `authenticate` with
 * their api-key method even when the key is in the environment. This names the exact fix for
 * the agent at hand, and finds the api-key method to send when its variable is set.
 */
import type { AuthMethod } from "@agentclientprotocol/sdk";

/** Variables that api-key methods of the known adapters read, by method id. */
const METHOD_VARIABLES: Record<string, string[]> = {
  "codex-api-key": ["CODEX_API_KEY"],
  "openai-api-key": ["OPENAI_API_KEY"],
  "gemini-api-key": ["GEMINI_API_KEY"],
  "anthropic-api-key": ["ANTHROPIC_API_KEY"],
  "claude-api-key": ["ANTHROPIC_API_KEY"],
};

/** The fix per known agent: its login command and the key variables it accepts. */
const KNOWN_LOGINS: { match: RegExp; login: string; variables: string[] }[] = [
  {
    match: /claude/i,
    login: "run `claude` once on this machine and log in with /login",
    variables: ["ANTHROPIC_API_KEY"],
  },
  {
    match: /codex/i,
    login: "run `codex login` on this machine",
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

/** The variables one auth method reads (known ids, else a `…_API_KEY` named in its text). */
export function methodVariables(method: AuthMethod): string[] {
  const known = METHOD_VARIABLES[method.id];
  if (known) return known;
  if (!/api[-_ ]?key/i.test(`${method.id} ${method.name}`)) return [];
  const named = `${method.name} ${method.description ?? ""}`.match(/\b[A-Z][A-Z0-9_]*_API_KEY\b/g);
  return named ? [...new Set(named)] : [];
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

/**
 * What the owner does to log the agent in, in one sentence: the known agent's login command
 * and key variables, plus a terminal method's command line when the agent offers one.
 */
export function loginFix(
  agentName: string,
  commandLine: string,
  methods: AuthMethod[],
  then = "send the message again",
): string {
  const known = KNOWN_LOGINS.find((k) => k.match.test(agentName) || k.match.test(commandLine));
  const variables = new Set(known?.variables ?? []);
  for (const m of methods) for (const v of methodVariables(m)) variables.add(v);
  const parts: string[] = [];
  if (known) parts.push(known.login);
  for (const m of methods) {
    if ("type" in m && m.type === "terminal") {
      parts.push(`run \`${[commandLine, ...(m.args ?? [])].join(" ")}\` in a terminal (${m.name})`);
    }
  }
  if (parts.length === 0) {
    const names = methods.map((m) => m.name).join(", ");
    parts.push(`log in with the agent's own CLI on this machine${names ? ` (it offers: ${names})` : ""}`);
  }
  const keys = [...variables];
  const keyHint =
    keys.length > 0
      ? `, or set ${keys.join(" or ")} in the gateway's environment (or "acp": {"env": {…}} in config.json)`
      : "";
  return `${parts.join(", or ")}${keyHint}; then ${then}`;
}
