import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type FakeOpenAI, offeredToolNames, startFakeOpenAI, toolResults } from "./fake-openai.js";

let fake: FakeOpenAI;
afterEach(async () => {
  await fake.close();
});

const echo = tool({
  description: "echo",
  inputSchema: z.object({ text: z.string() }),
  execute: async ({ text }) => `echo: ${text}`,
});

function model() {
  return createOpenAICompatible({ name: "fake", baseURL: fake.baseUrl, apiKey: "k" }).chatModel("fake-model");
}

describe("fake OpenAI-compatible server", () => {
  it("plays a tool call then an answer (JSON), recording the requests", async () => {
    fake = await startFakeOpenAI({
      script: [{ toolCalls: [{ name: "echo", args: { text: "hi" } }] }, { text: "all done" }],
    });
    const r = await generateText({ model: model(), tools: { echo }, prompt: "go", stopWhen: stepCountIs(5) });
    expect(r.text).toBe("all done");
    expect(r.steps).toHaveLength(2);
    const [first, second] = fake.completions();
    expect(offeredToolNames(first ?? {})).toEqual(["echo"]);
    expect(toolResults(second ?? {})).toEqual(["echo: hi"]);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer k");
    expect(fake.remaining()).toBe(0);
  });

  it("streams the same script as SSE", async () => {
    fake = await startFakeOpenAI({
      script: [
        { toolCalls: [{ name: "echo", args: { text: "yo" } }] },
        { text: "streamed answer, in pieces" },
      ],
    });
    const r = streamText({ model: model(), tools: { echo }, prompt: "go", stopWhen: stepCountIs(5) });
    expect(await r.text).toBe("streamed answer, in pieces");
    expect(fake.completions().every((b) => b.stream === true)).toBe(true);
    expect(toolResults(fake.completions()[1] ?? {})).toEqual(["echo: yo"]);
  });

  it("serves scripted HTTP errors, function steps and a fallback", async () => {
    fake = await startFakeOpenAI({
      script: [{ status: 400, body: { error: { message: "nope" } } }, (req) => ({ text: `saw ${req.path}` })],
      whenExhausted: { text: "fallback" },
    });
    await expect(generateText({ model: model(), prompt: "a", maxRetries: 0 })).rejects.toThrow(/nope/);
    expect((await generateText({ model: model(), prompt: "b" })).text).toBe("saw /v1/chat/completions");
    expect((await generateText({ model: model(), prompt: "c" })).text).toBe("fallback");
  });

  it("lists models and enforces the key when given one", async () => {
    fake = await startFakeOpenAI({ apiKey: "right", models: ["a", "b"] });
    const ok = await fetch(`${fake.baseUrl}/models`, { headers: { authorization: "Bearer right" } });
    expect(((await ok.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(["a", "b"]);
    const bad = await fetch(`${fake.baseUrl}/models`, { headers: { authorization: "Bearer wrong" } });
    expect(bad.status).toBe(401);
  });
});
