import { afterEach, describe, expect, it } from "vitest";
import { builtinAgentConfigSchema } from "./config.js";
import { checkModel, resolveModelSettings } from "./model.js";
import { type FakeOpenAI, startFakeOpenAI } from "./testing/fake-openai.js";

const KEY = "sk-live-abcdef0123456789";
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const cfg = (c: Record<string, unknown>) => builtinAgentConfigSchema.parse({ model: "m", ...c });

describe("resolveModelSettings precedence", () => {
  it("config apiKey beats apiKeyEnv beats the provider's variable", () => {
    const env = { MY_KEY: "from-my-env", OPENAI_API_KEY: "from-openai-env" };
    expect(
      resolveModelSettings(cfg({ provider: "openai", apiKey: "inline", apiKeyEnv: "MY_KEY" }), env),
    ).toMatchObject({
      apiKey: "inline",
      keySource: "agent.apiKey",
    });
    expect(resolveModelSettings(cfg({ provider: "openai", apiKeyEnv: "MY_KEY" }), env).keySource).toBe(
      "env MY_KEY",
    );
    expect(resolveModelSettings(cfg({ provider: "openai" }), env)).toMatchObject({
      keySource: "env OPENAI_API_KEY",
      baseUrl: "https://api.openai.com/v1",
    });
  });

  it("picks the key variable from the host of an OpenAI-compatible endpoint, never a foreign key", () => {
    const env = { DEEPSEEK_API_KEY: "ds", OPENAI_API_KEY: "oa", MOONSHOT_API_KEY: "ms" };
    const base = { provider: "openai-compatible" };
    expect(resolveModelSettings(cfg({ ...base, baseUrl: "https://api.deepseek.com/v1" }), env).apiKey).toBe(
      "ds",
    );
    expect(resolveModelSettings(cfg({ ...base, baseUrl: "https://api.moonshot.cn/v1" }), env).apiKey).toBe(
      "ms",
    );
    expect(() => resolveModelSettings(cfg({ ...base, baseUrl: "https://llm.example.com/v1" }), env)).toThrow(
      /no API key for provider openai-compatible \(llm\.example\.com\): set agent\.apiKeyEnv/,
    );
    // OPENAI_BASE_URL + OPENAI_API_KEY is the usual pair for a compatible endpoint
    expect(
      resolveModelSettings(cfg(base), { ...env, OPENAI_BASE_URL: "https://llm.example.com/v1" }).apiKey,
    ).toBe("oa");
  });

  it("local endpoints need no key; openai-compatible needs a base URL; anthropic has its default", () => {
    const ollama = resolveModelSettings(cfg({ baseUrl: "http://127.0.0.1:11434/v1" }), {});
    expect(ollama.local).toBe(true);
    expect(ollama.apiKey).toBeUndefined();
    expect(() => resolveModelSettings(cfg({}), {})).toThrow(/needs a base URL/);
    expect(resolveModelSettings(cfg({ provider: "anthropic" }), { ANTHROPIC_API_KEY: "a" }).baseUrl).toBe(
      "https://api.anthropic.com/v1",
    );
    expect(() => resolveModelSettings(cfg({ provider: "anthropic" }), {})).toThrow(
      /set ANTHROPIC_API_KEY or agent\.apiKey/,
    );
  });
});

describe("checkModel", () => {
  it("reports a missing key with the fix, never a key", async () => {
    const r = await checkModel(cfg({ provider: "openai" }), { env: {} });
    expect(r).toMatchObject({
      ok: false,
      problem: "no API key for provider openai (api.openai.com)",
      fix: "set OPENAI_API_KEY or agent.apiKey in config.json",
    });
  });

  it("is ok against a reachable endpoint with a good key, and warns about an unlisted model", async () => {
    fake = await startFakeOpenAI({ apiKey: KEY, models: ["fake-model"] });
    const good = await checkModel(cfg({ baseUrl: fake.baseUrl, model: "fake-model", apiKey: KEY }));
    expect(good).toMatchObject({ ok: true, baseUrl: fake.baseUrl });
    expect(good.warning).toBeUndefined();
    const unlisted = await checkModel(cfg({ baseUrl: fake.baseUrl, model: "other", apiKey: KEY }));
    expect(unlisted.ok).toBe(true);
    expect(unlisted.warning).toMatch(/not in the endpoint's list/);
  });

  it("reports a rejected key without echoing it", async () => {
    fake = await startFakeOpenAI({ apiKey: "another-key-123456" });
    const r = await checkModel(cfg({ baseUrl: fake.baseUrl, apiKeyEnv: "X_KEY" }), { env: { X_KEY: KEY } });
    expect(r.ok).toBe(false);
    expect(r.problem).toMatch(/rejected .*HTTP 401/);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it("reports an unreachable endpoint", async () => {
    fake = await startFakeOpenAI();
    const url = fake.baseUrl;
    await fake.close();
    fake = undefined;
    const r = await checkModel(cfg({ baseUrl: url }));
    expect(r.ok).toBe(false);
    expect(r.problem).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(r.fix).toMatch(/start the local model server/);
  });
});
