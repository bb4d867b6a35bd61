/**
 * The MCP server wxagent hands every ACP session (`mcpServers` in `session/new` and `session/load`):
 * `schedule_create`, `schedule_list`, `schedule_cancel` and `send_file`, scoped to the session's
 * contact. It serves streamable HTTP on 127.0.0.1 (a free port, started on first use); each
 * session gets its own random bearer token, which names the contact: the agent can reach only
 * its own contact's jobs and chat, whatever arguments it sends. A call works while a turn runs in
 * that session (its `AgentIO` does the work) and obeys the contact's preset: `deny` hides the
 * tool, `ask` asks in the chat first, exactly as for the built-in agent.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { isAbsolute, join } from "node:path";
import { serve } from "@hono/node-server";
import { type CallToolResult, createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { Hono } from "hono";
import { z } from "zod";
import { VERSION } from "../../shared/version.js";
import { messageOf } from "../../shared/wx-error.js";
import type { Logger } from "../../util/logger.js";
import { isApproval, type Permission, type Preset, type ToolName } from "../presets.js";
import type { AgentIO, Contact } from "../types.js";

/** What a tool call needs from the turn running in the session. */
export interface LiveTurn {
  io: AgentIO;
  preset: Preset;
  contact: Contact;
  /** Relative paths of send_file are read in this directory (the session's workspace). */
  workspaceRoot: string;
  askTo: "contact" | "owner";
  askTimeoutMs: number;
}

export interface McpServerSpec {
  type: "http";
  name: string;
  url: string;
  headers: { name: string; value: string }[];
}

const text = (t: string, isError = false): CallToolResult => ({
  content: [{ type: "text", text: t }],
  ...(isError ? { isError: true } : {}),
});

const whenShape = {
  at: z.string().max(100).optional().describe("ISO time, or 'YYYY-MM-DD HH:MM' / 'HH:MM' in tz"),
  in: z.string().max(40).optional().describe("A duration from now: 90s, 45m, 2h, 1d"),
  cron: z.string().max(100).optional().describe("Five-field cron, e.g. '0 8 * * 1-5' (weekdays 08:00)"),
  tz: z.string().max(64).optional().describe("IANA time zone, e.g. Asia/Shanghai"),
  text: z.string().max(4000).optional().describe("Send this text when it fires"),
  prompt: z.string().max(4000).optional().describe("Ask the agent this when it fires; its answer is sent"),
};

export class ContactMcp {
  readonly #sessions = new Map<string, () => LiveTurn | undefined>();
  #listening: Promise<string> | undefined;
  #server: ReturnType<typeof serve> | undefined;
  #handler: ReturnType<typeof createMcpHandler> | undefined;

  constructor(private readonly logger: Logger) {}

  /** The server spec for a new session; `turn` finds the session's running turn at call time. */
  async serverFor(turn: () => LiveTurn | undefined): Promise<McpServerSpec> {
    const url = await this.#listen();
    const token = randomBytes(24).toString("base64url");
    this.#sessions.set(token, turn);
    return {
      type: "http",
      name: "wxagent",
      url,
      headers: [{ name: "Authorization", value: `Bearer ${token}` }],
    };
  }

  async close(): Promise<void> {
    this.#sessions.clear();
    await this.#handler?.close();
    const server = this.#server;
    if (server)
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
  }

  #listen(): Promise<string> {
    this.#listening ??= new Promise<string>((resolve, reject) => {
      const handler = createMcpHandler((ctx) => this.#build(ctx.authInfo?.token), {
        onerror: (err) => this.logger.debug({ err: err.message }, "contact mcp request rejected"),
      });
      this.#handler = handler;
      const app = new Hono();
      app.all("/mcp", async (c) => {
        const token = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
        if (!token || !this.#sessions.has(token)) return c.json({ error: "unknown session token" }, 401);
        // A browser page must not drive this (DNS rebinding): loopback names only.
        const host = (c.req.header("host") ?? "").replace(/:\d+$/, "");
        if (!["127.0.0.1", "localhost", "[::1]"].includes(host)) return c.json({ error: "bad host" }, 403);
        return handler.fetch(c.req.raw, { authInfo: { token, clientId: "acp", scopes: [] } });
      });
      const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) =>
        resolve(`http://127.0.0.1:${info.port}/mcp`),
      );
      server.once("error", reject);
      this.#server = server;
    });
    return this.#listening;
  }

  #build(token: string | undefined): McpServer {
    const server = new McpServer({ name: "wxagent", version: VERSION }, { capabilities: { tools: {} } });
    const find = token ? this.#sessions.get(token) : undefined;
    const live = find?.();
    const allowed = (tool: ToolName) => (live ? live.preset[tool] !== "deny" : true);
    const call = async (tool: ToolName, args: unknown, run: (t: LiveTurn) => Promise<string>) => {
      const t = find?.();
      if (!t)
        return text(
          "REFUSED: no turn is running in this chat; these tools work only while you answer a message",
          true,
        );
      const verdict = await gate(t, tool, args);
      if (verdict) return text(verdict, true);
      try {
        return text(await run(t));
      } catch (err) {
        return text(`REFUSED: ${messageOf(err)}`, true);
      }
    };
    if (allowed("schedule")) {
      server.registerTool(
        "schedule_create",
        {
          description:
            "Schedule a reminder or message for this chat: exactly one of at, in or cron, and one of text or prompt. WeChat lets the bot write only within 24 h of the contact's last message; tell them when the answer says a message will be held.",
          inputSchema: z.object(whenShape),
        },
        (args) => call("schedule", args, (t) => scheduleOf(t).create(args)),
      );
      server.registerTool(
        "schedule_list",
        { description: "This chat's scheduled jobs.", inputSchema: z.object({}) },
        () => call("schedule", {}, (t) => scheduleOf(t).list()),
      );
      server.registerTool(
        "schedule_cancel",
        {
          description: "Cancel one of this chat's jobs by id.",
          inputSchema: z.object({ id: z.number().int().positive() }),
        },
        (args) => call("schedule", args, (t) => scheduleOf(t).cancel(args.id)),
      );
    }
    if (allowed("send_file")) {
      server.registerTool(
        "send_file",
        {
          description: "Send a file from your workspace to the contact in the chat (images show inline).",
          inputSchema: z.object({ path: z.string().min(1), caption: z.string().max(2000).optional() }),
        },
        (args) =>
          call("send_file", args, async (t) => {
            const path = isAbsolute(args.path) ? args.path : join(t.workspaceRoot, args.path);
            await t.io.sendFile(path, args.caption);
            return `sent ${args.path}`;
          }),
      );
    }
    return server;
  }
}

function scheduleOf(t: LiveTurn) {
  if (!t.io.schedule) throw new Error("scheduling is not available in this gateway");
  return t.io.schedule;
}

/** `undefined` when the call may go; else the refusal for the agent. */
async function gate(t: LiveTurn, tool: ToolName, args: unknown): Promise<string | undefined> {
  const p: Permission = t.preset[tool];
  if (p === "deny") return "REFUSED: this tool is not permitted for this contact.";
  if (p === "allow") return undefined;
  const answer = await t.io.ask(`🔐 Allow ${tool} with exactly this?`, {
    to: t.contact.isOwner ? "owner" : t.askTo,
    timeoutMs: t.askTimeoutMs,
    verbatim: JSON.stringify(args ?? {}, null, 2),
    answers: ["y", "n"],
  });
  return isApproval(answer)
    ? undefined
    : "REFUSED: the user did not approve this call. Do not retry it; say what you wanted to do.";
}
