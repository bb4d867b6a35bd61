/**
 * The fake ACP agent's MCP client side: it keeps the `mcpServers` a session was given and, for the
 * prompt `mcp TOOL {json}`, calls that tool on the first HTTP server the way a real agent would.
 */

import type * as acp from "@agentclientprotocol/sdk";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const given = new Map<string, acp.McpServer[]>();

export function rememberServers(sessionId: string, servers: acp.McpServer[] | undefined): void {
  given.set(sessionId, servers ?? []);
}

/** `TOOL {json}` → the tool's text answer (or why it could not be called). */
export async function callMcpTool(sessionId: string, arg: string): Promise<string> {
  const server = (given.get(sessionId) ?? []).find((s) => "type" in s && s.type === "http") as
    | (acp.McpServerHttp & { type: "http" })
    | undefined;
  if (!server) return "mcp: no http server was given to this session";
  const [tool = "", ...json] = arg.split(" ");
  const client = new Client({ name: "fake-agent", version: "0.0.1" });
  const headers = Object.fromEntries(server.headers.map((h) => [h.name, h.value]));
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } }),
    );
    const listed = (await client.listTools()).tools.map((t) => t.name);
    if (!listed.includes(tool)) return `mcp: ${tool} not offered (tools: ${listed.join(", ")})`;
    const res = await client.callTool({
      name: tool,
      arguments: json.length ? JSON.parse(json.join(" ")) : {},
    });
    const texts = (res.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join("\n");
    return res.isError ? `mcp error: ${texts}` : texts;
  } catch (err) {
    return `mcp: ${(err as Error).message}`;
  } finally {
    await client.close().catch(() => undefined);
  }
}
