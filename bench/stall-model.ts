/**
 * The scripted model of `npm run bench:stall`, in its own process: an OpenAI-compatible
 * `POST /v1/chat/completions` (JSON, or SSE when the request streams). Mallory's turns (their user
 * message holds a case's marker) get the case's steps in order; every other message gets
 * `re: <its last line>`. Every big answer is built once at start, as the bytes sent, so the
 * model's own CPU during a round is the few microseconds of writing a Buffer, not of building
 * megabytes of JSON on the cores the gateway needs.
 *
 * Started by bench/stall.ts; sends `{ready, baseUrl}` over IPC.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatRequestBody } from "../src/agent/builtin/testing/fake-openai.js";
import { turnOf } from "../test/security/stall-kit.js";
import { filler, type ModelStep, STALL_CASES } from "./stall-cases.js";

interface Prebuilt {
  json: Buffer;
  sse: Buffer;
}

const base = { id: "chatcmpl-stall", created: 1_700_000_000, model: "fake-model" };
const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
let callCounter = 0;

/** The bytes of one answer, as a JSON completion and as an SSE stream of ≤ 4 KiB deltas. */
function prebuild(step: ModelStep): Prebuilt {
  const text = "fillerBytes" in step ? filler(step.fillerBytes) : "text" in step ? step.text : null;
  const calls =
    "tool" in step
      ? [
          {
            id: `call_${++callCounter}`,
            type: "function" as const,
            function: { name: step.tool, arguments: JSON.stringify(step.args) },
          },
        ]
      : [];
  const finish = calls.length ? "tool_calls" : "stop";
  const json = Buffer.from(
    JSON.stringify({
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
    }),
  );
  const events: string[] = [];
  const chunk = (delta: unknown, finish_reason: string | null = null) =>
    events.push(
      `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason }] })}\n\n`,
    );
  chunk({ role: "assistant", content: "" });
  for (const piece of text?.match(/[\s\S]{1,4096}/g) ?? []) chunk({ content: piece });
  for (const [index, c] of calls.entries()) {
    const args = c.function.arguments.match(/[\s\S]{1,4096}/g) ?? [""];
    chunk({
      tool_calls: [
        { index, id: c.id, type: "function", function: { name: c.function.name, arguments: args[0] } },
      ],
    });
    for (const a of args.slice(1)) chunk({ tool_calls: [{ index, function: { arguments: a } }] });
  }
  chunk({}, finish);
  events.push(
    `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\n`,
  );
  events.push("data: [DONE]\n\n");
  return { json, sse: Buffer.from(events.join("")) };
}

const routes = STALL_CASES.filter((c) => c.marker && c.steps).map((c) => ({
  marker: c.marker as string,
  steps: (c.steps ?? []).map(prebuild),
}));
const done = prebuild({ text: "done" });

function send(res: ServerResponse, answer: Prebuilt, stream: boolean): void {
  const body = stream ? answer.sse : answer.json;
  res.writeHead(200, {
    "content-type": stream ? "text/event-stream" : "application/json",
    "content-length": body.length,
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readBody(req);
  if (req.method !== "POST" || !req.url?.startsWith("/v1/chat/completions")) {
    res.writeHead(404).end();
    return;
  }
  const body = JSON.parse(raw) as ChatRequestBody;
  const stream = body.stream === true;
  const { text, step } = turnOf(body);
  const route = routes.find((r) => text.includes(r.marker));
  if (route) {
    send(res, route.steps[step] ?? done, stream);
    return;
  }
  send(res, prebuild({ text: `re: ${text.split("\n").at(-1)?.slice(0, 200) ?? ""}` }), stream);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: String(err) } }));
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ ready: true, baseUrl: `http://127.0.0.1:${port}/v1` });
});
process.on("disconnect", () => process.exit(0));
