/**
 * Images to the model: the `vision` rule, the size cap, history without image bytes, and the
 * fallback when an endpoint turns image parts down. Against the fake OpenAI-compatible server,
 * so what is checked is the request body a real provider would get.
 */
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MediaRef } from "../types.js";
import { createBuiltinAgent } from "./agent.js";
import type { BuiltinAgentConfigInput } from "./config.js";
import { type ChatRequestBody, type FakeOpenAI, startFakeOpenAI } from "./testing/fake-openai.js";
import { ALICE, inputFor, recordingIO } from "./testing/harness.js";
import { loadImages, visionEnabled, withoutImages } from "./vision.js";

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
const DATA_URL = `data:image/png;base64,${PNG.toString("base64")}`;

let home: string;
let fake: FakeOpenAI;
let png: string;

beforeEach(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), "wxagent-vision-")));
  png = join(home, "download.png");
  await writeFile(png, PNG);
});
afterEach(async () => {
  await fake?.close();
  await rm(home, { recursive: true, force: true });
});

function agentWith(config: Partial<BuiltinAgentConfigInput> = {}) {
  return createBuiltinAgent({
    config: { model: "fake-model", baseUrl: fake.baseUrl, maxRetries: 0, ...config },
    home,
    env: { PATH: process.env.PATH },
  });
}

const image = (path: string, extra: Partial<MediaRef> = {}): MediaRef => ({
  kind: "image",
  path,
  name: "image.png",
  mime: "image/png",
  size: PNG.length,
  ...extra,
});

/** The last user message of a completion request, as the wire has it. */
function lastUser(body: ChatRequestBody | undefined): unknown {
  return body?.messages?.filter((m) => m.role === "user").at(-1)?.content;
}

/** Every image_url in a request (any message). */
function imageUrls(body: ChatRequestBody | undefined): string[] {
  const urls: string[] = [];
  for (const m of body?.messages ?? []) {
    if (!Array.isArray(m.content)) continue;
    for (const p of m.content as { type?: string; image_url?: { url?: string } }[]) {
      if (p.type === "image_url" && p.image_url?.url) urls.push(p.image_url.url);
    }
  }
  return urls;
}

describe("visionEnabled", () => {
  it("auto: on for openai and anthropic, on for compatible models unless a known text-only family", () => {
    expect(visionEnabled("auto", "openai", "gpt-4o-mini")).toBe(true);
    expect(visionEnabled("auto", "anthropic", "claude-sonnet-4-5")).toBe(true);
    expect(visionEnabled("auto", "openai-compatible", "qwen2.5vl:7b")).toBe(true);
    expect(visionEnabled("auto", "openai-compatible", "qwen-vl-max")).toBe(true);
    expect(visionEnabled("auto", "openai-compatible", "llava")).toBe(true);
    expect(visionEnabled("auto", "openai-compatible", "deepseek-chat")).toBe(false);
    expect(visionEnabled("auto", "openai-compatible", "deepseek/deepseek-r1")).toBe(false);
    expect(visionEnabled("auto", "openai-compatible", "qwen-max")).toBe(false);
    expect(visionEnabled("auto", "openai-compatible", "glm-4-plus")).toBe(false);
    expect(visionEnabled("auto", "openai-compatible", "glm-4v-plus")).toBe(true);
  });

  it("on and off override the rule", () => {
    expect(visionEnabled("on", "openai-compatible", "deepseek-chat")).toBe(true);
    expect(visionEnabled("off", "openai", "gpt-4o")).toBe(false);
  });
});

describe("loadImages", () => {
  it("sends PNG/JPEG/GIF/WebP within the cap; a bigger or other-format image becomes a note", async () => {
    const bmp = join(home, "x.bmp");
    await writeFile(bmp, Buffer.alloc(10));
    const out = await loadImages(
      [
        { path: png, mime: "image/png", label: "the image inbox/a.png" },
        { path: png, mime: "image/png", size: 6_000_000, label: "the image inbox/big.png" },
        { path: bmp, mime: "image/bmp", label: "the image inbox/x.bmp" },
        { path: join(home, "gone.png"), mime: "image/png", label: "the image inbox/gone.png" },
      ],
      { maxBytes: 5_000_000, maxCount: 4 },
    );
    expect(out.parts).toHaveLength(1);
    expect(out.parts[0]).toMatchObject({ type: "image", mediaType: "image/png" });
    expect(Buffer.from(out.parts[0]?.image as Uint8Array)).toEqual(PNG);
    expect(out.notes).toEqual([
      "[the image inbox/big.png is not shown to you as an image: 6.0 MB is over the 5.0 MB limit]",
      "[the image inbox/x.bmp is not shown to you as an image (image/bmp format)]",
      "[the image inbox/gone.png could not be read to show to you]",
    ]);
  });

  it("withoutImages swaps image parts for a note and leaves other messages alone", () => {
    const msgs = withoutImages([
      { role: "user", content: "plain" },
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image", image: PNG, mediaType: "image/png" },
        ],
      },
    ]);
    expect(msgs[0]).toEqual({ role: "user", content: "plain" });
    expect(JSON.stringify(msgs[1])).not.toContain(PNG.toString("base64"));
    expect(msgs[1]?.content).toEqual([
      { type: "text", text: "look" },
      {
        type: "text",
        text: "[an image was shown with this message; the file is in the workspace (see its path above)]",
      },
    ]);
  });
});

describe("images through the built-in agent", () => {
  it("an image reaches the model as an image part, with its workspace path in the text", async () => {
    fake = await startFakeOpenAI({ script: [{ text: "a tiny red dot" }] });
    const reply = await agentWith({ vision: "on" }).run(
      { ...inputFor(ALICE, "what is this?"), media: [image(png)] },
      recordingIO(),
    );
    expect(reply.text).toBe("a tiny red dot");
    const [text, img] = lastUser(fake.completions()[0]) as [
      { type: string; text: string },
      { type: string; image_url: { url: string } },
    ];
    expect(text.type).toBe("text");
    expect(text.text).toContain("[image attached: inbox/image.png, image/png");
    expect(text.text).toContain("what is this?");
    expect(img).toEqual({ type: "image_url", image_url: { url: DATA_URL } });
  });

  it("per-contact history keeps a path note, not the image, for later turns", async () => {
    fake = await startFakeOpenAI({ script: [{ text: "a dot" }, { text: "still a dot" }] });
    const agent = agentWith({ vision: "on" });
    await agent.run({ ...inputFor(ALICE, "what is this?"), media: [image(png)] }, recordingIO());
    await agent.run(inputFor(ALICE, "and now?"), recordingIO());
    const second = fake.completions()[1];
    expect(imageUrls(second)).toEqual([]);
    expect(JSON.stringify(second)).toContain("inbox/image.png");
    expect(JSON.stringify(second)).toContain("an image was shown with this message");
  });

  it("an image over imageMaxBytes goes as its path with a note", async () => {
    fake = await startFakeOpenAI({ script: [{ text: "ok" }] });
    await agentWith({ vision: "on", imageMaxBytes: 50 }).run(
      { ...inputFor(ALICE, "see"), media: [image(png)] },
      recordingIO(),
    );
    const body = fake.completions()[0];
    expect(imageUrls(body)).toEqual([]);
    expect(JSON.stringify(lastUser(body))).toContain(`${PNG.length} bytes is over the 50 bytes limit`);
    expect(JSON.stringify(lastUser(body))).toContain("inbox/image.png");
  });

  it("vision off (or a text-only model on auto) sends the path only", async () => {
    fake = await startFakeOpenAI({ script: [{ text: "ok" }, { text: "ok" }] });
    await agentWith({ vision: "off" }).run({ ...inputFor(ALICE, "see"), media: [image(png)] }, recordingIO());
    await agentWith({ model: "deepseek-chat" }).run(
      { ...inputFor(ALICE, "see"), media: [image(png)] },
      recordingIO(),
    );
    for (const body of fake.completions()) {
      expect(imageUrls(body)).toEqual([]);
      expect(lastUser(body)).toContain("[image attached: inbox/image.png");
    }
  });

  it("a quoted image is shown too", async () => {
    fake = await startFakeOpenAI({ script: [{ text: "ok" }] });
    await agentWith({ vision: "on" }).run(
      { ...inputFor(ALICE, "what is this?"), quote: { media: image(png) } },
      recordingIO(),
    );
    expect(imageUrls(fake.completions()[0])).toEqual([DATA_URL]);
  });

  it("an endpoint that turns images down gets the turn again with paths only; auto then stops sending them", async () => {
    fake = await startFakeOpenAI({
      script: [
        { status: 400, body: { error: { message: "unknown variant `image_url`, expected `text`" } } },
        { text: "I cannot see images, but the file is at inbox/image.png" },
        { text: "second" },
      ],
    });
    const agent = agentWith({ model: "mystery-model" });
    const reply = await agent.run({ ...inputFor(ALICE, "see"), media: [image(png)] }, recordingIO());
    expect(reply.text).toContain("inbox/image.png");
    await agent.run({ ...inputFor(ALICE, "again"), media: [image(png)] }, recordingIO());
    const [first, retry, later] = fake.completions();
    expect(imageUrls(first)).toEqual([DATA_URL]);
    expect(imageUrls(retry)).toEqual([]);
    expect(JSON.stringify(lastUser(retry))).toContain("this model does not take images");
    expect(imageUrls(later)).toEqual([]);
  });
});
