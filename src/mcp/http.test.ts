/**
 * The MCP server over streamable HTTP on a loopback port (`wxagent mcp --http 0`), driven by the
 * official MCP client with the admin token; the same scenarios as stdio, plus the token and
 * origin guards.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../admin/api.js";
import { type McpHttpServer, startMcpHttp } from "./http.js";
import { createWorld, mcpScenarios, type World } from "./scenarios.test-util.js";

describe("MCP over streamable HTTP", () => {
  let world: World;
  let server: McpHttpServer;
  let client: Client;

  beforeAll(async () => {
    world = await createWorld();
    server = await startMcpHttp({
      home: world.paths.home,
      port: 0,
      mount: (app, runtime, token) => app.route("/", createApiApp(runtime.ctx, { token })),
    });
    client = new Client({ name: "wxagent-test", version: "0.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${server.token}` } },
      }),
    );
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
    await world?.close();
  });

  mcpScenarios({ world: () => world, client: () => client, serverPid: () => process.pid });

  it("polls only the accounts no other process holds", () => {
    expect(server.runtime.polling?.polledHere()).toEqual([world.a.account_id]);
  });

  it("binds to loopback and refuses requests without the token, or from another origin", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
    const none = await fetch(server.mcpUrl, { method: "POST", headers, body });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    const wrong = await fetch(server.mcpUrl, {
      method: "POST",
      headers: { ...headers, Authorization: "Bearer not-the-token" },
      body,
    });
    expect(wrong.status).toBe(401);
    const foreign = await fetch(server.mcpUrl, {
      method: "POST",
      headers: { ...headers, Authorization: `Bearer ${server.token}`, Origin: "https://evil.example" },
      body,
    });
    expect(foreign.status).toBe(403);
  });

  it("serves the REST API beside /mcp when mounted", async () => {
    const res = await fetch(`${server.url}/api/accounts`, {
      headers: { Authorization: `Bearer ${server.token}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accounts: unknown[] }).accounts).toHaveLength(3);
  });
});
