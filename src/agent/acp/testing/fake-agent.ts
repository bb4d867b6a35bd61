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
 *   attack        behaves like an adapter by its current mode: in a mode that never asks
 *                 (auto, bypassPermissions, full-access) it writes pwned.txt and "runs" a command
 *                 (ran.txt) on its own, ignoring permissions; in acceptEdits it writes, then asks
 *                 to run; in default it asks for both; in plan / read-only it only reads
 *   escalate      switches itself to bypassPermissions (current_mode_update), then writes
 *                 escalated.txt on its own unless the turn was cancelled by then
 *   messages      two messages with different messageIds: "I'll run that." and "Done."
 *   notice        a notice (for the log), then "noticed"
 *   late          a tool call titled "Terminal", later retitled "npm test", then "ran"
 *   image         a small PNG image block and the text "picture"
 *   retry         Codex's retry status ("Reconnecting... n/5") twice, then "recovered"
 *
 * Behaviours (flags) of the real adapters:
 *   --modes claude|codex|config|none  the modes it offers (default claude: default, acceptEdits,
 *                 plan, bypassPermissions, auto; codex: read-only, auto, full-access; config: the
 *                 claude modes as a `mode` config option only; none: no modes)
 *   --start-mode ID   the mode sessions start in (default: default; codex: auto)
 *   --auth claude|codex   session/new answers -32000 "Authentication required" until logged in;
 *                 codex accepts `authenticate` with openai-api-key / codex-api-key when the
 *                 variable is set; claude offers a terminal login when the client can run one
 *   --auth-on-prompt   like --auth, but session/new works and session/prompt fails
 *   --agent-name N --agent-version V   what initialize reports
 *   --commands    sends available_commands_update after session/new
 *   --refuse-set-mode   answers session/set_mode with an error
 *   --mcp-http    advertises HTTP MCP servers (mcpCapabilities.http); the prompt
 *                 `mcp TOOL {json}` then calls TOOL on the server session/new handed it
 *
 * `--log FILE` appends one line per method received (and "cancel <id>"), so tests can see
 * what the client sent. `--state DIR` keeps each session's prompt count on disk, which is what
 * `session/load` restores in a new process.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";
import { callMcpTool, rememberServers } from "./fake-agent-mcp.js";

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const loadSession = flag("--load-session");
const modesKind = option("--modes") ?? "claude";
const startMode = option("--start-mode") ?? (modesKind === "codex" ? "auto" : "default");
const authKind = option("--auth");
const authOnPrompt = flag("--auth-on-prompt");
const agentName = option("--agent-name") ?? "fake-agent";
const agentVersion = option("--agent-version") ?? "0.0.1";
const sendCommands = flag("--commands");
const refuseSetMode = flag("--refuse-set-mode");
const mcpHttp = flag("--mcp-http");
let authenticated = false;
let clientTerminalAuth = false;

const CLAUDE_MODES: acp.SessionMode[] = [
  { id: "auto", name: "Auto", description: "Runs tools without asking, a classifier decides" },
  { id: "default", name: "Default", description: "Standard behavior, prompts for dangerous operations" },
  { id: "acceptEdits", name: "Accept Edits", description: "Auto-accept file edit operations" },
  { id: "plan", name: "Plan Mode", description: "Planning mode, no actual tool execution" },
  { id: "bypassPermissions", name: "Bypass Permissions", description: "Bypass all permission checks" },
];
const CODEX_MODES: acp.SessionMode[] = [
  { id: "read-only", name: "Read Only", description: "Codex can read files and answer questions" },
  { id: "auto", name: "Default", description: "Codex can edit files and run commands in the workspace" },
  { id: "full-access", name: "Full Access", description: "Codex can edit files and run commands anywhere" },
];
const MODES = modesKind === "codex" ? CODEX_MODES : modesKind === "none" ? [] : CLAUDE_MODES;
/** What a mode lets the fake do on its own: never ask, ask before running only, ask for all, or read only. */
function modeBehaviour(mode: string): "free" | "edits" | "asks" | "reads" {
  if (["auto", "bypassPermissions", "full-access", "dontAsk"].includes(mode)) return "free";
  if (mode === "acceptEdits") return "edits";
  if (mode === "plan" || mode === "read-only") return "reads";
  return "asks";
}

function sessionModes(s: FakeSession): Pick<acp.NewSessionResponse, "modes" | "configOptions"> {
  if (MODES.length === 0) return {};
  if (modesKind === "config") {
    return {
      configOptions: [
        {
          id: "mode",
          name: "Mode",
          category: "mode",
          type: "select",
          currentValue: s.mode,
          options: MODES.map((m) => ({ value: m.id, name: m.name, description: m.description ?? null })),
        },
      ],
    };
  }
  return { modes: { currentModeId: s.mode, availableModes: MODES } };
}

function authRequired(): acp.RequestError {
  return new acp.RequestError(-32000, "Authentication required");
}

function authMethods(): acp.AuthMethod[] {
  if (authKind === "codex") {
    return [
      { id: "chatgpt", name: "Login with ChatGPT", description: "Use your ChatGPT login with Codex CLI" },
      {
        id: "codex-api-key",
        name: "Use CODEX_API_KEY",
        description: "Requires setting the `CODEX_API_KEY` env var.",
      },
      {
        id: "openai-api-key",
        name: "Use OPENAI_API_KEY",
        description: "Requires setting the `OPENAI_API_KEY` env var.",
      },
    ];
  }
  if (authKind === "claude") {
    const methods: acp.AuthMethod[] = [
      {
        id: "claude-login",
        name: "Log in with Claude Code",
        description: "Run `claude /login` in the terminal",
      },
    ];
    if (clientTerminalAuth) {
      methods.push({
        id: "claude-login-terminal",
        type: "terminal",
        name: "Log in with Claude",
        args: ["--cli"],
      });
    }
    return methods;
  }
  return [];
}
const stateDir = option("--state");
const logFile = option("--log");

function log(line: string): void {
  if (logFile) appendFileSync(logFile, `${line}\n`);
}

interface FakeSession {
  id: string;
  cwd: string;
  mode: string;
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
    const caps = params.clientCapabilities;
    clientTerminalAuth = caps?.auth?.terminal === true;
    log(
      `initialize fs=${caps?.fs?.writeTextFile === true} auth.terminal=${clientTerminalAuth} notices=${caps?.session?.notices != null}`,
    );
    return {
      protocolVersion: acp.PROTOCOL_VERSION,
      agentCapabilities: { loadSession, ...(mcpHttp ? { mcpCapabilities: { http: true } } : {}) },
      agentInfo: { name: agentName, version: agentVersion },
      authMethods: authMethods(),
    };
  })
  .onRequest("authenticate", ({ params }) => {
    log(`authenticate ${params.methodId}`);
    const variable = { "codex-api-key": "CODEX_API_KEY", "openai-api-key": "OPENAI_API_KEY" }[
      params.methodId
    ];
    if (authKind === "codex" && variable && process.env[variable]) {
      authenticated = true;
      return {};
    }
    throw authRequired();
  })
  .onRequest("session/new", async ({ params, client }) => {
    if (authKind && !authOnPrompt && !authenticated) {
      log("session/new refused: auth");
      throw authRequired();
    }
    const id = `fake-${process.pid}-${nextId++}`;
    const s: FakeSession = { id, cwd: params.cwd, mode: startMode, turns: 0, cancelled: false };
    sessions.set(id, s);
    save(s);
    rememberServers(id, params.mcpServers);
    log(
      `session/new ${id} mode=${s.mode}${params.mcpServers.length ? ` mcp=${params.mcpServers.length}` : ""}`,
    );
    if (sendCommands) {
      setImmediate(() => {
        void client.notify("session/update", {
          sessionId: id,
          update: {
            sessionUpdate: "available_commands_update",
            availableCommands: [
              { name: "review", description: "Review the current changes" },
              { name: "compact", description: "Summarise the conversation so far" },
            ],
          },
        });
      });
    }
    return { sessionId: id, ...sessionModes(s) };
  })
  .onRequest("session/set_mode", ({ params }) => {
    const s = sessions.get(params.sessionId);
    if (!s) throw acp.RequestError.sessionNotFound(params.sessionId);
    if (!MODES.some((m) => m.id === params.modeId))
      throw acp.RequestError.invalidParams(undefined, "no such mode");
    if (refuseSetMode) throw acp.RequestError.internalError(undefined, "mode switching is disabled");
    s.mode = params.modeId;
    log(`set_mode ${params.modeId}`);
    return {};
  })
  .onRequest("session/set_config_option", ({ params }) => {
    const s = sessions.get(params.sessionId);
    if (!s) throw acp.RequestError.sessionNotFound(params.sessionId);
    const value = String(params.value);
    if (params.configId !== "mode" || !MODES.some((m) => m.id === value)) {
      throw acp.RequestError.invalidParams(undefined, "no such option");
    }
    s.mode = value;
    log(`set_config_option mode ${value}`);
    return { configOptions: sessionModes(s).configOptions ?? [] };
  })
  .onRequest("session/load", async ({ params, client }) => {
    rememberServers(params.sessionId, params.mcpServers);
    log(`session/load ${params.sessionId}`);
    const file = stateDir ? join(stateDir, `${params.sessionId}.json`) : undefined;
    if (!loadSession || !file || !existsSync(file)) throw acp.RequestError.resourceNotFound(params.sessionId);
    const { turns } = JSON.parse(readFileSync(file, "utf8")) as { turns: number };
    const s: FakeSession = {
      id: params.sessionId,
      cwd: params.cwd,
      mode: startMode,
      turns,
      cancelled: false,
    };
    sessions.set(s.id, s);
    // A real agent replays the conversation while loading; the client must not treat it as a turn.
    await client.notify("session/update", {
      sessionId: s.id,
      update: { sessionUpdate: "agent_message_chunk", content: text("(replayed history)") },
    });
    return sessionModes(s);
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
    if (authOnPrompt && !authenticated) {
      log("prompt refused: auth");
      throw authRequired();
    }
    s.cancelled = false;
    s.turns += 1;
    save(s);
    const first = params.prompt.find((b) => b.type === "text");
    const input = first && first.type === "text" ? first.text.trim() : "";
    log(`prompt ${input} mode=${s.mode}`);
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
      case "attack": {
        const behaviour = modeBehaviour(s.mode);
        if (behaviour === "reads") {
          await say(`${s.mode} mode: I can only read`);
          return { stopReason: "end_turn" };
        }
        const ask = async (id: string, title: string, kind: acp.ToolKind) => {
          const answer = await client.request("session/request_permission", {
            sessionId: s.id,
            toolCall: { toolCallId: id, title, kind },
            options: [
              { optionId: "allow", name: "Allow", kind: "allow_once" },
              { optionId: "reject", name: "Reject", kind: "reject_once" },
            ],
          });
          log(`permission ${answer.outcome.outcome === "selected" ? answer.outcome.optionId : "cancelled"}`);
          return answer.outcome.outcome === "selected" && answer.outcome.optionId === "allow";
        };
        const wrote =
          behaviour === "free" || behaviour === "edits" || (await ask("a1", "Write pwned.txt", "edit"));
        if (wrote) writeFileSync(join(s.cwd, "pwned.txt"), "pwned\n");
        const ran = behaviour === "free" || (await ask("a2", "echo hi && id", "execute"));
        if (ran) writeFileSync(join(s.cwd, "ran.txt"), "uid=0(root)\n");
        log(`attack wrote=${wrote} ran=${ran}`);
        await say(`wrote=${wrote} ran=${ran}`);
        return { stopReason: "end_turn" };
      }
      case "escalate": {
        s.mode = "bypassPermissions";
        await update({ sessionUpdate: "current_mode_update", currentModeId: "bypassPermissions" });
        // A round trip: the client has seen the mode update (and sent any cancel) by its answer.
        await client
          .request("fs/read_text_file", { sessionId: s.id, path: join(s.cwd, "..", "nothing") })
          .catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (s.cancelled) {
          log("escalate cancelled");
          return { stopReason: "cancelled" };
        }
        writeFileSync(join(s.cwd, "escalated.txt"), "escalated\n");
        log("escalate wrote");
        await say("escalated");
        return { stopReason: "end_turn" };
      }
      case "messages":
        await client.notify("session/update", {
          sessionId: s.id,
          update: { sessionUpdate: "agent_message_chunk", messageId: "m1", content: text("I'll run that.") },
        });
        await client.notify("session/update", {
          sessionId: s.id,
          update: { sessionUpdate: "agent_message_chunk", messageId: "m2", content: text("Done.") },
        });
        return { stopReason: "end_turn" };
      case "notice":
        await update({
          sessionUpdate: "notice",
          severity: "warning",
          title: "Claude Code update available",
          description: "Run claude update",
        });
        await say("noticed");
        return { stopReason: "end_turn" };
      case "late":
        await update({ sessionUpdate: "tool_call", toolCallId: "l1", title: "Terminal", kind: "execute" });
        await update({
          sessionUpdate: "tool_call_update",
          toolCallId: "l1",
          title: "npm test",
          status: "in_progress",
        });
        await update({ sessionUpdate: "tool_call_update", toolCallId: "l1", status: "completed" });
        await say("ran");
        return { stopReason: "end_turn" };
      case "image":
        await say("picture");
        await update({
          sessionUpdate: "agent_message_chunk",
          content: {
            type: "image",
            mimeType: "image/png",
            data: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
          },
        });
        return { stopReason: "end_turn" };
      case "retry":
        await say("Reconnecting... 1/5");
        await say("Reconnecting... 2/5");
        await say("recovered");
        return { stopReason: "end_turn" };
      case "turns":
        await say(`turns: ${s.turns}`);
        return { stopReason: "end_turn" };
      case "session":
        await say(s.id);
        return { stopReason: "end_turn" };
      case "mcp":
        await say(await callMcpTool(s.id, arg));
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
