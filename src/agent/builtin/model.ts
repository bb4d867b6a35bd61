/**
 * Which model, where, with which key; and `checkModel` for `wxagent doctor` / `start`.
 *
 * Precedence (first that is set wins), so an explicit config always beats the environment:
 *   API key:  agent.apiKey → env[agent.apiKeyEnv] → the provider's usual variable:
 *             openai → OPENAI_API_KEY; anthropic → ANTHROPIC_API_KEY; openai-compatible → by
 *             the base URL's host (DEEPSEEK_API_KEY, DASHSCOPE_API_KEY, MOONSHOT_API_KEY,
 *             ZHIPUAI_API_KEY, OPENROUTER_API_KEY, OPENAI_API_KEY for api.openai.com or when the
 *             base URL itself came from OPENAI_BASE_URL). An unknown remote host gets no
 *             guessed key: we never send one provider's key to another host.
 *             Loopback/private endpoints (Ollama, vLLM, llama.cpp) need no key.
 *   Base URL: agent.baseUrl → OPENAI_BASE_URL (openai, openai-compatible) or ANTHROPIC_BASE_URL
 *             (anthropic) → the provider's default (none for openai-compatible: it is required).
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModel } from "ai";
import { redactText } from "../../util/logger.js";
import { cappedFetch, DEFAULT_MAX_RESPONSE_BYTES } from "./capped-fetch.js";
import type { BuiltinAgentConfig, ProviderKind } from "./config.js";
import { BuiltinAgentError } from "./errors.js";

const HOST_KEY_ENV: [RegExp, string][] = [
  [/(^|\.)deepseek\.com$/, "DEEPSEEK_API_KEY"],
  [/(^|\.)dashscope(-intl)?\.aliyuncs\.com$/, "DASHSCOPE_API_KEY"],
  [/(^|\.)moonshot\.(cn|ai)$/, "MOONSHOT_API_KEY"],
  [/(^|\.)(bigmodel\.cn|z\.ai)$/, "ZHIPUAI_API_KEY"],
  [/(^|\.)openrouter\.ai$/, "OPENROUTER_API_KEY"],
  [/(^|\.)openai\.com$/, "OPENAI_API_KEY"],
];

export interface ModelSettings {
  provider: ProviderKind;
  model: string;
  baseUrl: string;
  apiKey?: string;
  /** Where the key came from, for messages ("agent.apiKey", "env DEEPSEEK_API_KEY"). */
  keySource?: string;
  /** Variables that would have supplied a key, for the fix text. */
  keyCandidates: string[];
  /** True for loopback/private endpoints that need no key. */
  local: boolean;
}

/** The model part of the agent config; `provider` defaults to `openai-compatible` as in the schema. */
export type ModelConfig = Pick<BuiltinAgentConfig, "model" | "baseUrl" | "apiKey" | "apiKeyEnv"> & {
  provider?: ProviderKind;
};

/** Work out provider, base URL and key; throws BuiltinAgentError (CONFIG_INVALID / NO_API_KEY). */
export function resolveModelSettings(
  config: ModelConfig,
  env: NodeJS.ProcessEnv = process.env,
): ModelSettings {
  const { provider = "openai-compatible", model } = config;
  let baseUrl = config.baseUrl;
  let baseFromOpenAIEnv = false;
  if (!baseUrl) {
    if (provider === "anthropic") baseUrl = env.ANTHROPIC_BASE_URL || "https://api.anthropic.com/v1";
    else if (env.OPENAI_BASE_URL) {
      baseUrl = env.OPENAI_BASE_URL;
      baseFromOpenAIEnv = true;
    } else if (provider === "openai") baseUrl = "https://api.openai.com/v1";
  }
  if (!baseUrl) {
    throw new BuiltinAgentError(
      "CONFIG_INVALID",
      "provider openai-compatible needs a base URL: set agent.baseUrl in config.json (e.g. https://api.deepseek.com/v1 or http://127.0.0.1:11434/v1 for Ollama) or OPENAI_BASE_URL",
    );
  }
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    throw new BuiltinAgentError("CONFIG_INVALID", "agent.baseUrl is not a valid URL: fix it in config.json");
  }
  const local = isLocalHost(host);
  const candidates: string[] = [];
  if (config.apiKeyEnv) candidates.push(config.apiKeyEnv);
  if (provider === "openai") candidates.push("OPENAI_API_KEY");
  else if (provider === "anthropic") candidates.push("ANTHROPIC_API_KEY");
  else {
    const byHost = HOST_KEY_ENV.find(([re]) => re.test(host))?.[1];
    if (byHost) candidates.push(byHost);
    if (baseFromOpenAIEnv) candidates.push("OPENAI_API_KEY");
  }
  const unique = [...new Set(candidates)];
  const settings: ModelSettings = {
    provider,
    model,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    keyCandidates: unique,
    local,
  };
  if (config.apiKey) return { ...settings, apiKey: config.apiKey, keySource: "agent.apiKey" };
  for (const name of unique) {
    const v = env[name];
    if (v) return { ...settings, apiKey: v, keySource: `env ${name}` };
  }
  if (local) return settings;
  throw new BuiltinAgentError("NO_API_KEY", noKeyMessage(settings));
}

function noKeyMessage(s: ModelSettings): string {
  const vars = s.keyCandidates.length
    ? `set ${s.keyCandidates.join(" or ")} or `
    : "set agent.apiKeyEnv (the variable's name) or ";
  return `no API key for provider ${s.provider} (${hostOf(s.baseUrl)}): ${vars}agent.apiKey in config.json`;
}

/**
 * The AI SDK model for the settings, its answers capped at `maxResponseBytes` (capped-fetch.ts).
 * `fetch` is injectable for tests.
 */
export function createModel(
  s: ModelSettings,
  fetchBase?: typeof fetch,
  maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES,
): LanguageModel {
  const fetchImpl = cappedFetch(
    (input, init) => (fetchBase ?? globalThis.fetch)(input, init),
    maxResponseBytes,
  );
  switch (s.provider) {
    case "openai":
      // `.chat()`: the Chat Completions API; the default Responses API is OpenAI-only.
      return createOpenAI({ baseURL: s.baseUrl, apiKey: s.apiKey ?? "", fetch: fetchImpl }).chat(s.model);
    case "anthropic":
      return createAnthropic({ baseURL: s.baseUrl, apiKey: s.apiKey ?? "", fetch: fetchImpl })(s.model);
    case "openai-compatible":
      return createOpenAICompatible({
        name: hostOf(s.baseUrl) || "openai-compatible",
        baseURL: s.baseUrl,
        apiKey: s.apiKey,
        includeUsage: true,
        fetch: fetchImpl,
      }).chatModel(s.model);
  }
}

export interface CheckResult {
  ok: boolean;
  /** What is wrong, in one line (never contains the key). */
  problem?: string;
  /** The one thing to do about it. */
  fix?: string;
  /** Set when ok but something looks off (e.g. the model is not in the endpoint's list). */
  warning?: string;
  provider: ProviderKind;
  model: string;
  baseUrl?: string;
}

export interface CheckOptions {
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Default 10 000 ms. */
  timeoutMs?: number;
}

/**
 * Is the model usable? Resolves the key, then asks the endpoint's model list (`GET /models`,
 * which costs no tokens and which OpenAI, DeepSeek, Ollama, vLLM, llama.cpp and Anthropic all
 * serve). 401/403 means a bad key; a network error means unreachable.
 */
export async function checkModel(config: ModelConfig, options: CheckOptions = {}): Promise<CheckResult> {
  const base = { provider: config.provider ?? "openai-compatible", model: config.model };
  let s: ModelSettings;
  try {
    s = resolveModelSettings(config, options.env);
  } catch (err) {
    const e = err instanceof BuiltinAgentError ? err : undefined;
    const msg = e?.message ?? "invalid agent configuration";
    const [problem, fix] = splitFix(msg);
    return { ...base, ok: false, problem, fix };
  }
  const out = { ...base, baseUrl: s.baseUrl };
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers: Record<string, string> = {};
  if (s.provider === "anthropic") {
    headers["anthropic-version"] = "2023-06-01";
    if (s.apiKey) headers["x-api-key"] = s.apiKey;
  } else if (s.apiKey) headers.authorization = `Bearer ${s.apiKey}`;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(`${s.baseUrl}/models`, { headers, signal });
  } catch (err) {
    const why = timeout.aborted ? "timed out" : redactText(errorText(err), s.apiKey ? [s.apiKey] : []);
    return {
      ...out,
      ok: false,
      problem: `cannot reach ${s.baseUrl} (${why})`,
      fix: s.local
        ? "start the local model server, or fix agent.baseUrl"
        : "check agent.baseUrl and the network",
    };
  }
  if (res.status === 401 || res.status === 403) {
    return {
      ...out,
      ok: false,
      problem: `the API key (${s.keySource ?? "none"}) was rejected by ${hostOf(s.baseUrl)} (HTTP ${res.status})`,
      fix: s.keyCandidates.length
        ? `check ${s.keySource ?? s.keyCandidates.join(" or ")}`
        : "set a valid key",
    };
  }
  if (!res.ok) {
    // Some compatible servers lack /models; reachable and authorised is what we can tell.
    return {
      ...out,
      ok: true,
      warning: `${s.baseUrl}/models answered HTTP ${res.status}; could not list models`,
    };
  }
  const ids = await res
    .json()
    .then((b: unknown) => listIds(b))
    .catch(() => undefined);
  if (ids?.length && !ids.includes(s.model) && !ids.some((id) => id.startsWith(`${s.model}:`))) {
    return {
      ...out,
      ok: true,
      warning: `model "${s.model}" is not in the endpoint's list (${ids.slice(0, 8).join(", ")})`,
    };
  }
  return { ...out, ok: true };
}

function listIds(body: unknown): string[] | undefined {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  return data.map((m) => (m as { id?: unknown }).id).filter((id): id is string => typeof id === "string");
}

function splitFix(msg: string): [string, string | undefined] {
  const i = msg.indexOf(": ");
  return i > 0 ? [msg.slice(0, i), msg.slice(i + 2)] : [msg, undefined];
}

function errorText(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

/** Loopback, private and link-local hosts (local model servers need no key). */
export function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "localhost" || h.endsWith(".localhost") || h === "::1" || h === "0.0.0.0") return true;
  return /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(h) || /^host\.docker\.internal$/.test(h);
}
