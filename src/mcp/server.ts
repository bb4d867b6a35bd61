/**
 * The MCP server: every operation of `src/ops` registered as a tool. A failing operation comes
 * back as a tool result with `isError` and one sentence naming the fix (the model can read it and
 * act), never as a protocol error or a crashed server.
 */
import { type CallToolResult, McpServer } from "@modelcontextprotocol/server";
import type { OpsContext } from "../ops/context.js";
import type { Op, OpOutcome } from "../ops/define.js";
import { toOpsError } from "../ops/errors.js";
import { OPS } from "../ops/index.js";
import { VERSION } from "../shared/version.js";

export const SERVER_NAME = "wxagent";
export const SERVER_VERSION = VERSION;

const INSTRUCTIONS = [
  "wxagent connects this client to personal WeChat through bot accounts (Tencent iLink).",
  "Start with list_accounts; if there is none, login_start returns a QR code for a person to scan.",
  "A bot can only write to someone who wrote to it first (list_contacts), and about 10 messages per message they send;",
  "beyond that sends wait in an outbox (QUOTA_SPENT) and go out when they write again.",
  "Use wait_for_messages with the returned cursor as after_id to follow a conversation without missing messages.",
  "schedule_add sends later (once or on a cron schedule); a firing after the contact's 24 h window waits in the outbox (schedule_list shows it held).",
].join(" ");

/** A result for the client: the JSON as text (and structured), plus the image when there is one. */
export function toToolResult(outcome: OpOutcome): CallToolResult {
  const content: CallToolResult["content"] = [{ type: "text", text: JSON.stringify(outcome.data, null, 2) }];
  if (outcome.image)
    content.push({ type: "image", data: outcome.image.base64, mimeType: outcome.image.mimeType });
  return { content, structuredContent: outcome.data };
}

export function toToolError(err: unknown): CallToolResult {
  const e = toOpsError(err);
  return {
    isError: true,
    content: [{ type: "text", text: `${e.code}: ${e.message}` }],
    structuredContent: { error: { code: e.code, message: e.message } },
  };
}

/** Run one operation as a tool call: never throws. */
export async function callOp(
  ctx: OpsContext,
  op: Op,
  args: unknown,
  signal: AbortSignal,
): Promise<CallToolResult> {
  try {
    return toToolResult(await op.invoke(ctx, args, signal));
  } catch (err) {
    return toToolError(err);
  }
}

export function createMcpServer(ctx: OpsContext, ops: readonly Op[] = OPS): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  for (const op of ops) {
    server.registerTool(
      op.name,
      {
        title: op.title,
        description: op.description,
        inputSchema: op.input,
        annotations: {
          title: op.title,
          readOnlyHint: op.readOnly,
          destructiveHint: false,
          // Reads look at the local store only; sends and logins reach WeChat.
          openWorldHint: !op.readOnly,
        },
      },
      (args, extra) => callOp(ctx, op, args, extra.mcpReq.signal),
    );
  }
  return server;
}
