import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTranscriber } from "./transcribe.js";

interface Seen {
  path: string;
  auth: string | undefined;
  type: string | undefined;
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let mode: "ok" | "401" | "hang" = "ok";
let onHang: (() => void) | undefined;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("latin1");
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({
      path: req.url ?? "",
      auth: req.headers.authorization,
      type: req.headers["content-type"],
      body,
    });
    if (mode === "hang") {
      onHang?.(); // never answers: the caller's signal must end it
      return;
    }
    if (mode === "401") {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"bad key sk-secret-123456"}');
      return;
    }
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ text: " 你好，明天见 " }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const audio = { bytes: Buffer.from("RIFF....WAVEfmt "), name: "voice.wav", mime: "audio/wav" };

describe("createTranscriber (OpenAI-compatible /audio/transcriptions)", () => {
  it("posts multipart with the file, the model and the bearer key, and returns the text", async () => {
    mode = "ok";
    const t = createTranscriber({
      baseUrl: `${base}/`,
      apiKey: "sk-secret-123456",
      model: "whisper-1",
      language: "zh",
    });
    expect(await t.transcribe(audio)).toBe("你好，明天见");
    const req = seen.at(-1) as Seen;
    expect(req.path).toBe("/v1/audio/transcriptions");
    expect(req.auth).toBe("Bearer sk-secret-123456");
    expect(req.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.body).toMatch(
      /name="file"; filename="voice.wav"\r\nContent-Type: audio\/wav\r\n\r\nRIFF....WAVEfmt /,
    );
    expect(req.body).toMatch(/name="model"\r\n\r\nwhisper-1/);
    expect(req.body).toMatch(/name="language"\r\n\r\nzh/);
  });

  it("an HTTP error is a typed, non-retryable error naming the fix, with the key redacted", async () => {
    mode = "401";
    const t = createTranscriber({ baseUrl: base, apiKey: "sk-secret-123456", model: "m" });
    const err = (await t.transcribe(audio).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { code: string; isRetryable: boolean };
    expect(err).toMatchObject({ code: "TRANSCRIBE_FAILED", isRetryable: false });
    expect(err.message).toMatch(/HTTP 401 \(check media.transcription.apiKey\)/);
    expect(err.message).not.toContain("sk-secret-123456");
  });

  it("the caller's AbortSignal ends a hanging request", async () => {
    mode = "hang";
    const t = createTranscriber({ baseUrl: base, model: "m" });
    const ac = new AbortController();
    onHang = () => ac.abort(new Error("turn stopped"));
    await expect(t.transcribe(audio, ac.signal)).rejects.toThrow("turn stopped");
    onHang = undefined;
  });

  it("its own timeout gives a retryable error", async () => {
    mode = "hang";
    const t = createTranscriber({ baseUrl: base, model: "m", timeoutMs: 100 });
    await expect(t.transcribe(audio)).rejects.toMatchObject({ code: "TRANSCRIBE_FAILED", isRetryable: true });
  });
});
