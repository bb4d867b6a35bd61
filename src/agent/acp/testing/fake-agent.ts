/**
 * A small ACP agent for tests, built on the SDK's agent side and driven by the prompt text.
 * Run as `node --import tsx fake-agent.ts [--load-session] [--state DIR] [--log FILE]`.
 *
 * Prompts it understands (first word):
 *   echo TEXT     streams TEXT back in a few chunks
 *   tool          reports an edit tool call, then answers "done"
 *   plan          reports a three-step plan, then answers "planned"
 *   write NAME    asks permission; writes NAME in the session cwd only when allowed
 *   read PATH     reads PATH through the client (fs/read_text_file) and answers its content
 *   work          a long job that ends only on session/cancel
 *   crash         exits with code 1 in the middle of the turn
 *   fail          answers the prompt with a JSON-RPC error (and forgets the session)
 *   turns         answers how many prompts this session has seen (survives session/load)
 *   session       answers its session id
 *
 * `--log FILE` appends one line per method received (and "cancel <id>"), so tests can see
 * what the client sent. `--state DIR` keeps each session's prompt count on disk, which is what
 * `session/load` restores in a new process.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const loadSession = flag("--load-session");
const stateDir = option("--state");
const logFile = option("--log");

function log(line: string): void {
  if (logFile) appendFileSync(logFile, `${line}\n`);
}

interface FakeSession {
  id: string;
  cwd: string;
  turns: number;
  cancelled: boolean;
  onCancel?: () => void;
}

const sessions = new Map<string, FakeSession>();
let nextId = 1;

function save(s: FakeSession): void {
  if (!stateDir) return;
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, `${s.id}.json`), JSON.stringify({ turns: s.turns }));
}

function text(t: string): acp.ContentBlock {
  return { type: "text", text: t };
}

const app = acp
  .agent({ name: "fake-agent" })
  .onRequest("initialize", ({ params }) => {
    log(`initialize fs=${params.clientCapabilities?.fs?.writeTextFile === true}`);
    return {
      protocolVersion: acp.PROTOCOL_VERSION,
      agentCapabilities: { loadSession },
      agentInfo: { name: "fake-agent", version: "0.0.1" },
    };
  })
  .onRequest("session/new", ({ params }) => {
    const id = `fake-${process.pid}-${nextId++}`;
    const s: FakeSession = { id, cwd: params.cwd, turns: 0, cancelled: false };
    sessions.set(id, s);
    save(s);
    log(`session/new ${id}`);
    return { sessionId: id };
  })
  .onRequest("session/load", async ({ params, client }) => {
    log(`session/load ${params.sessionId}`);
    const file = stateDir ? join(stateDir, `${params.sessionId}.json`) : undefined;
    if (!loadSession || !file || !existsSync(file)) throw acp.RequestError.resourceNotFound(params.sessionId);
    const { turns } = JSON.parse(readFileSync(file, "utf8")) as { turns: number };
    const s: FakeSession = { id: params.sessionId, cwd: params.cwd, turns, cancelled: false };
    sessions.set(s.id, s);
    // A real agent replays the conversation while loading; the client must not treat it as a turn.
    await client.notify("session/update", {
      sessionId: s.id,
      update: { sessionUpdate: "agent_message_chunk", content: text("(replayed history)") },
    });
    return {};
  })
  .onNotification("session/cancel", ({ params }) => {
    log(`cancel ${params.sessionId}`);
    const s = sessions.get(params.sessionId);
    if (!s) return;
    s.cancelled = true;
    s.onCancel?.();
  })
  .onRequest("session/prompt", async ({ params, client }) => {
    const s = sessions.get(params.sessionId);
    if (!s) throw acp.RequestError.sessionNotFound(params.sessionId);
    s.cancelled = false;
    s.turns += 1;
    save(s);
    const first = params.prompt.find((b) => b.type === "text");
    const input = first && first.type === "text" ? first.text.trim() : "";
    log(`prompt ${input}`);
    const [word = "", ...rest] = input.split(/\s+/);
    const arg = rest.join(" ");
    const say = (t: string) =>
      client.notify("session/update", {
        sessionId: s.id,
        update: { sessionUpdate: "agent_message_chunk", content: text(t) },
      });
    const update = (u: acp.SessionUpdate) => client.notify("session/update", { sessionId: s.id, update: u });

    switch (word) {
      case "echo": {
        const third = Math.ceil(arg.length / 3);
        for (let i = 0; i < arg.length; i += third) await say(arg.slice(i, i + third));
        return { stopReason: "end_turn" };
      }
      case "tool": {
        await update({ sessionUpdate: "tool_call", toolCallId: "t1", title: "Edit src/a.ts", kind: "edit" });
        await update({ sessionUpdate: "tool_call_update", toolCallId: "t1", status: "completed" });
        await say("done");
        return { stopReason: "end_turn" };
      }
      case "plan": {
        await update({
          sessionUpdate: "plan",
          entries: ["look", "change", "test"].map((content) => ({
            content,
            priority: "medium" as const,
            status: "pending" as const,
          })),
        });
        await say("planned");
        return { stopReason: "end_turn" };
      }
      case "write": {
        const name = arg || "out.txt";
        const toolCall = { toolCallId: "w1", title: `Write ${name}`, kind: "edit" as const };
        await update({ sessionUpdate: "tool_call", ...toolCall, status: "pending" });
        const ask: acp.RequestPermissionRequest = {
          sessionId: s.id,
          toolCall,
          options: [
            { optionId: "allow", name: "allow once", kind: "allow_once" },
            { optionId: "always", name: "allow always", kind: "allow_always" },
            { optionId: "reject", name: "reject", kind: "reject_once" },
          ],
        };
        const answer = await client.request("session/request_permission", ask);
        log(`permission ${answer.outcome.outcome === "selected" ? answer.outcome.optionId : "cancelled"}`);
        if (answer.outcome.outcome === "cancelled") return { stopReason: "cancelled" };
        if (answer.outcome.optionId === "reject") {
          await update({ sessionUpdate: "tool_call_update", toolCallId: "w1", status: "failed" });
          await say("not allowed");
          return { stopReason: "end_turn" };
        }
        await client.request("fs/write_text_file", {
          sessionId: s.id,
          path: resolve(s.cwd, name),
          content: "written by fake-agent\n",
        });
        await update({ sessionUpdate: "tool_call_update", toolCallId: "w1", status: "completed" });
        await say(`wrote ${name}`);
        return { stopReason: "end_turn" };
      }
      case "read": {
        try {
          const r = await client.request("fs/read_text_file", { sessionId: s.id, path: resolve(s.cwd, arg) });
          await say(r.content);
        } catch (err) {
          await say(`read failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        return { stopReason: "end_turn" };
      }
      case "work": {
        await update({
          sessionUpdate: "tool_call",
          toolCallId: "k1",
          title: "Run long job",
          kind: "execute",
        });
        await say("working…");
        if (!s.cancelled) await new Promise<void>((done) => (s.onCancel = done));
        s.onCancel = undefined;
        return { stopReason: "cancelled" };
      }
      case "ask-crash": {
        // Asks for permission, then dies while the question is open.
        const toolCall = { toolCallId: "x1", title: "Edit a.txt", kind: "edit" as const };
        void client
          .request("session/request_permission", {
            sessionId: s.id,
            toolCall,
            options: [{ optionId: "allow", name: "allow once", kind: "allow_once" }],
          })
          .catch(() => {});
        setTimeout(() => process.exit(1), 300);
        await new Promise(() => {});
        break;
      }
      case "crash": {
        await say("about to crash");
        process.exit(1);
        break;
      }
      case "fail":
        sessions.delete(s.id);
        throw acp.RequestError.internalError(undefined, "model quota exhausted");
      case "turns":
        await say(`turns: ${s.turns}`);
        return { stopReason: "end_turn" };
      case "session":
        await say(s.id);
        return { stopReason: "end_turn" };
      default:
        await say(`unknown: ${input}`);
        return { stopReason: "end_turn" };
    }
    return { stopReason: "end_turn" };
  });

const stream = acp.ndJsonStream(
  Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
  Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
);
const connection = app.connect(stream);
process.stderr.write(`fake-agent ready (pid ${process.pid})\n`);
void connection.closed.then(() => process.exit(0));
