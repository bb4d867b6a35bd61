/**
 * A scripted fake OpenAI-compatible server for tests: a real node:http server on 127.0.0.1:0
 * serving `POST /v1/chat/completions` (JSON or SSE when `stream: true`) and `GET /v1/models`.
 * Each completion request consumes the next step of the script (tool calls, text, an HTTP
 * error, or a hang until the client aborts) and every request is recorded.
 *
 * @example
 * const ai = await startFakeOpenAI({ script: [{ toolCalls: [{ name: "read", args: { path: "a.txt" } }] }, { text: "done" }] });
 * // createOpenAICompatible({ name: "fake", baseURL: ai.baseUrl, apiKey: "k" }) …
 * await ai.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeToolCall {
  name: string;
  /** Arguments as an object (JSON-encoded for you) or a raw string (to send malformed JSON). */
  args: Record<string, unknown> | string;
  id?: string;
}

export type FakeStep =
  | { text: string; toolCalls?: FakeToolCall[]; delayMs?: number }
  | { toolCalls: FakeToolCall[]; text?: string; delayMs?: number }
  | { status: number; body?: unknown; delayMs?: number }
  | { hang: true }
  | ((request: RecordedRequest) => FakeStep);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body (undefined for GET or invalid JSON). */
  body: unknown;
}

/** The shape of a chat-completions request body, as far as tests look at it. */
export interface ChatRequestBody {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content?: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
}

export interface FakeOpenAIOptions {
  script?: FakeStep[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`; others get a 401 that
   * echoes the offered key the way real providers partly do (to test redaction). */
  apiKey?: string;
  /** Ids listed by GET /v1/models (default `["fake-model"]`). */
  models?: string[];
  /** Answer once the script is used up (default `{ text: "OK" }`). */
  whenExhausted?: FakeStep;
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1`, ready for `baseURL`. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Completion requests only, bodies typed. */
  completions(): ChatRequestBody[];
  /** Append steps to the script. */
  push(...steps: FakeStep[]): void;
  /** Steps not yet consumed. */
  remaining(): number;
  close(): Promise<void>;
}

/** Names of the tools offered in a completion request. */
export function offeredToolNames(body: ChatRequestBody): string[] {
  return (body.tools ?? []).map((t) => t.function.name);
}

/** The `tool` role messages (tool results) of a completion request, as text. */
export function toolResults(body: ChatRequestBody): string[] {
  return (body.messages ?? [])
    .filter((m) => m.role === "tool")
    .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)));
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const script: FakeStep[] = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  const models = options.models ?? ["fake-model"];
  let callCounter = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { message: String(err) } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const recorded: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers, body };
    requests.push(recorded);

    if (options.apiKey !== undefined && headers.authorization !== `Bearer ${options.apiKey}`) {
      const offered = (headers.authorization ?? "").replace(/^Bearer\s+/i, "");
      json(res, 401, {
        error: {
          message: `Incorrect API key provided: ${offered}.`,
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      });
      return;
    }
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/v1/models") {
      json(res, 200, {
        object: "list",
        data: models.map((id) => ({ id, object: "model", owned_by: "fake" })),
      });
      return;
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      json(res, 404, { error: { message: `no route ${req.method} ${path}` } });
      return;
    }
    let step: FakeStep = script.shift() ?? options.whenExhausted ?? { text: "OK" };
    while (typeof step === "function") step = step(recorded);
    if ("hang" in step) return; // left open: the client's abort (or close()) ends it
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if ("status" in step) {
      json(res, step.status, step.body ?? { error: { message: `scripted error ${step.status}` } });
      return;
    }
    const model = (body as ChatRequestBody | undefined)?.model ?? "fake-model";
    const calls = (step.toolCalls ?? []).map((c) => ({
      id: c.id ?? `call_${++callCounter}`,
      type: "function" as const,
      function: { name: c.name, arguments: typeof c.args === "string" ? c.args : JSON.stringify(c.args) },
    }));
    const finish = calls.length ? "tool_calls" : "stop";
    const text = step.text ?? null;
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    const base = { id: `chatcmpl-${requests.length}`, created: Math.floor(Date.now() / 1000), model };
    if ((body as ChatRequestBody | undefined)?.stream) {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      const chunk = (delta: unknown, finish_reason: string | null = null) =>
        send({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason }] });
      chunk({ role: "assistant", content: "" });
      // Text in a few pieces, so clients really assemble deltas.
      for (const piece of text?.match(/[\s\S]{1,8}/g) ?? []) chunk({ content: piece });
      for (const [index, c] of calls.entries()) chunk({ tool_calls: [{ index, ...c }] });
      chunk({}, finish);
      send({ ...base, object: "chat.completion.chunk", choices: [], usage });
      res.end("data: [DONE]\n\n");
      return;
    }
    json(res, 200, {
      ...base,
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: text, ...(calls.length ? { tool_calls: calls } : {}) },
          finish_reason: finish,
        },
      ],
      usage,
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    completions: () =>
      requests
        .filter((r) => r.path.startsWith("/v1/chat/completions"))
        .map((r) => (r.body ?? {}) as ChatRequestBody),
    push: (...steps) => void script.push(...steps),
    remaining: () => script.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
