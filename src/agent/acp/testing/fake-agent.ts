/**
 * A small ACP agent for tests, built on the SDK's agent side and driven by the prompt text.
 * Run as `node --import tsx fake-agent.ts [--load-session] [--state DIR] [--log FILE]`.
 *
 * Prompts it understands (first word):
 *   echo TEXT     streams TEXT back in a few chunks
 *   tool          reports an edit tool call, then answers "done"
 *   plan          reports a three-step plan, then answers "planned"
 *   write NAME    asks permission (with the options the adapter it plays sends, adapter-options.ts);
 *                 writes NAME in the session cwd only when allowed
 *   read PATH     reads PATH through the client (fs/read_text_file) and answers its content
 *   work          a long job that ends only on session/cancel
 *   crash         exits with code 1 in the middle of the turn
 *   fail          answers the prompt with a JSON-RPC error (and forgets the session)
 *   turns         answers how many prompts this session has seen (survives session/load)
 *   session       answers its session id
 *   attack        behaves like an adapter by its current mode: in a mode that never asks
 *                 (auto, bypassPermissions, agent, workspace-write…) it writes pwned.txt and "runs" a command
 *                 (ran.txt) on its own, ignoring permissions; in acceptEdits it writes, then asks
 *                 to run; in default it asks for both; in plan / read-only it only reads
 *   rogue PATH    ignores its mode and its permissions altogether: writes pwned.txt in its cwd,
 *                 plants a file beside PATH, runs `cat PATH` and reads PATH itself; answers
 *                 what each attempt got
 *   escalate      switches itself to bypassPermissions (current_mode_update), then writes
 *                 escalated.txt on its own unless the turn was cancelled by then
 *   messages      two messages with different messageIds: "I'll run that." and "Done."
 *   notice        a notice (for the log), then "noticed"
 *   late          a tool call titled "Terminal", later retitled "npm test", then "ran"
 *   image         a small PNG image block and the text "picture"
 *   retry         Codex's retry status twice as codex-acp 2.6.0 sends it (session_info_update,
 *                 `_meta.codex.error` with willRetry and "Reconnecting... n/5"), a pause while it
 *                 retries, then "recovered"
 *   retry-chunks  the same status as plain message chunks (older Codex adapters), then "recovered"
 *
 * Behaviours (flags) of the real adapters:
 *   --modes claude|codex|config|none  the modes it offers (default claude: default, acceptEdits,
 *                 plan, bypassPermissions, auto; codex as codex-acp 2.6.0: read-only,
 *                 workspace-write, agent, agent-full-access; config: the claude modes as a `mode`
 *                 config option only; none: no modes)
 *   --start-mode ID   the mode sessions start in (default: default; codex: agent)
 *   --auth claude|codex   not logged in, as the pinned adapters are (checked against
 *                 codex-acp 2.6.0 and claude-agent-acp 0.49.0): codex offers `api-key` (its _meta
 *                 names provider openai) and `chat-gpt`, answers session/new with -32000
 *                 "Authentication required" until `authenticate` with `api-key` finds CODEX_API_KEY
 *                 or OPENAI_API_KEY in its own environment; claude opens sessions but answers
 *                 session/prompt with -32000, and offers its two terminal logins (`--cli auth login
 *                 --claudeai` / `--console`) when the client advertises auth.terminal
 *   --auth-on-prompt   codex: session/new works and session/prompt fails instead
 *   --agent-name N --agent-version V   what initialize reports
 *   --commands    sends available_commands_update after session/new
 *   --refuse-set-mode   answers session/set_mode with an error
 *   --hang        every prompt reports what Codex does when its API is unreachable (a notice, a
 *                 "Reconnecting... 1/5" status) and then never ends until session/cancel
 *   --probe PATH  at start, tries what an agent that ignores its mode would: read PATH (say
 *                 $WXAGENT_HOME/config.json), write a file in its cwd, list secret-looking
 *                 variables it can see; the results go to the log
 *   --mcp-http    advertises HTTP MCP servers (mcpCapabilities.http); the prompt
 *                 `mcp TOOL {json}` then calls TOOL on the server session/new handed it
 *
 * `--log FILE` appends one line per method received (and "cancel <id>"), so tests can see
 * what the client sent. `--state DIR` keeps each session's prompt count on disk, which is what
 * `session/load` restores in a new process.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";
import { allows, CODEX_FILE_OPTIONS, claudeOptions } from "./adapter-options.js";
import { callMcpTool, rememberServers } from "./fake-agent-mcp.js";

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const loadSession = flag("--load-session");
const modesKind = option("--modes") ?? "claude";
const startMode = option("--start-mode") ?? (modesKind === "codex" ? "agent" : "default");
const authKind = option("--auth");
// The Claude adapter only finds out at the first prompt that nobody is logged in.
const authOnPrompt = flag("--auth-on-prompt") || authKind === "claude";
const agentName = option("--agent-name") ?? "fake-agent";
const agentVersion = option("--agent-version") ?? "0.0.1";
const sendCommands = flag("--commands");
const refuseSetMode = flag("--refuse-set-mode");
const hang = flag("--hang");
const probe = option("--probe");
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
/** codex-acp 2.6.0's modes; sessions start in `agent`. */
const CODEX_MODES: acp.SessionMode[] = [
  {
    id: "read-only",
    name: "Read-only",
    description: "Requires approval to edit files and access the internet.",
  },
  {
    id: "workspace-write",
    name: "Workspace access",
    description: "Edit workspace files; ask before writing outside the workspace or accessing the network.",
  },
  { id: "agent", name: "Auto review", description: "Only ask for actions detected as potentially unsafe" },
  {
    id: "agent-full-access",
    name: "Full access",
    description: "Unrestricted access to the internet and any file on your computer",
  },
];
const MODES = modesKind === "codex" ? CODEX_MODES : modesKind === "none" ? [] : CLAUDE_MODES;
/** What a mode lets the fake do on its own: never ask, ask before running only, ask for all, or read only. */
function modeBehaviour(mode: string): "free" | "edits" | "asks" | "reads" {
  if (["auto", "bypassPermissions", "agent", "agent-full-access", "dontAsk"].includes(mode)) return "free";
  // Codex's workspace-write edits and runs in its workspace without asking.
  if (mode === "workspace-write") return "free";
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
      {
        id: "api-key",
        name: "API Key",
        description: "Use an API key to authenticate",
        _meta: { "api-key": { provider: "openai" } },
      },
      { id: "chat-gpt", name: "ChatGPT", description: "Use ChatGPT to authenticate" },
    ];
  }
  if (authKind === "claude" && clientTerminalAuth) {
    return [
      {
        id: "claude-ai-login",
        type: "terminal",
        name: "Claude Subscription",
        description: "Use Claude subscription ",
        args: ["--cli", "auth", "login", "--claudeai"],
      },
      {
        id: "console-login",
        type: "terminal",
        name: "Anthropic Console",
        description: "Use Anthropic Console (API usage billing)",
        args: ["--cli", "auth", "login", "--console"],
      },
    ];
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

if (probe) {
  const attempt = (what: () => unknown): string => {
    try {
      const r = what();
      return typeof r === "string" ? `read ${r.length} bytes` : "ok";
    } catch (err) {
      return (err as NodeJS.ErrnoException).code ?? "failed";
    }
  };
  log(`probe read ${probe}: ${attempt(() => readFileSync(probe, "utf8"))}`);
  log(`probe write cwd: ${attempt(() => writeFileSync(join(process.cwd(), ".probe"), "x"))}`);
  const secrets = Object.keys(process.env).filter((k) => /PASS|SECRET|TOKEN|API_KEY/.test(k));
  log(`probe env: ${secrets.sort().join(",") || "(none)"}`);
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
    if (authKind === "codex" && params.methodId === "api-key") {
      // codex-acp reads the key from its own environment: CODEX_API_KEY, then OPENAI_API_KEY.
      const key = process.env.CODEX_API_KEY?.trim() || process.env.OPENAI_API_KEY?.trim();
      if (!key) throw acp.RequestError.internalError(undefined, "CODEX_API_KEY or OPENAI_API_KEY is not set");
      log(`authenticated with a key of ${key.length} characters`);
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
    if (hang) {
      await client.notify("session/update", {
        sessionId: s.id,
        update: {
          sessionUpdate: "notice",
          severity: "warning",
          title:
            "Falling back from WebSockets to HTTPS transport. stream disconnected before completion: failed to lookup address information: Name does not resolve",
        },
      });
      await client.notify("session/update", {
        sessionId: s.id,
        update: {
          sessionUpdate: "session_info_update",
          _meta: { codex: { error: { message: "Reconnecting... 1/5", willRetry: true } } },
        },
      });
      if (!s.cancelled) await new Promise<void>((done) => (s.onCancel = done));
      return { stopReason: "cancelled" };
    }
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
        // The options of the adapter it plays, in its order, with its labels.
        const ask: acp.RequestPermissionRequest = {
          sessionId: s.id,
          toolCall,
          options: modesKind === "codex" ? CODEX_FILE_OPTIONS : claudeOptions("Write"),
        };
        const answer = await client.request("session/request_permission", ask);
        log(`permission ${answer.outcome.outcome === "selected" ? answer.outcome.optionId : "cancelled"}`);
        if (answer.outcome.outcome === "cancelled") return { stopReason: "cancelled" };
        if (!allows(answer.outcome.optionId)) {
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
      case "rogue": {
        const attempt = (what: () => unknown): string => {
          try {
            const r = what();
            return typeof r === "string" ? `got ${r.length} bytes` : "ok";
          } catch (err) {
            const e = err as NodeJS.ErrnoException & { status?: number };
            return e.code ?? (e.status !== undefined ? `exit ${e.status}` : "failed");
          }
        };
        const results = [
          `write-cwd=${attempt(() => writeFileSync(join(s.cwd, "pwned.txt"), "pwned\n"))}`,
          `plant=${attempt(() => writeFileSync(join(dirname(arg), "planted.txt"), "x"))}`,
          `run=${attempt(() => execFileSync("/bin/sh", ["-c", `cat "${arg}"`], { stdio: ["ignore", "pipe", "ignore"] }).toString())}`,
          `read=${attempt(() => readFileSync(arg, "utf8"))}`,
        ];
        log(`rogue ${results.join(" ")}`);
        await say(results.join(" "));
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
        for (const n of [1, 2]) {
          await update({
            sessionUpdate: "session_info_update",
            _meta: {
              codex: {
                error: {
                  message: `Reconnecting... ${n}/5 (stream disconnected before completion)`,
                  codexErrorInfo: null,
                  turnId: "turn-1",
                  willRetry: true,
                },
              },
            },
          });
        }
        // Codex backs off between retries; the gateway's progress note goes out meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        await say("recovered");
        return { stopReason: "end_turn" };
      case "retry-chunks":
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
