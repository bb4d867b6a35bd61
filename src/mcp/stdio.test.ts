/**
 * The MCP server over stdio, as a client sees it: a spawned `node --import tsx src/mcp/stdio-entry.ts`
 * with WXAGENT_HOME pointing at a temp home, driven by the official MCP client. The client skips
 * non-JSON lines silently, so stdout purity is checked on a raw spawn that reads every byte.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, mcpScenarios, type World } from "./scenarios.test-util.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("MCP over stdio", () => {
  let world: World;
  let client: Client;
  let transport: StdioClientTransport;
  const transportErrors: Error[] = [];
  let stderr = "";

  beforeAll(async () => {
    world = await createWorld();
    transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", "src/mcp/stdio-entry.ts"],
      cwd: ROOT,
      env: {
        ...(process.env as Record<string, string>),
        WXAGENT_HOME: world.paths.home,
        WXAGENT_LOG_LEVEL: "info",
      },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    client = new Client({ name: "wxagent-test", version: "0.0.0" });
    await client.connect(transport);
    // Only errors raised after connect are ours to judge (the client installs its own handler).
    const onerror = transport.onerror;
    transport.onerror = (err) => {
      transportErrors.push(err);
      onerror?.(err);
    };
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await world?.close();
  });

  mcpScenarios({ world: () => world, client: () => client, serverPid: () => transport.pid ?? -1 });

  it("logged to stderr, and the transport saw no error", () => {
    expect(transportErrors).toEqual([]);
    expect(stderr).toContain('"name":"mcp"');
  });
});

describe("MCP over stdio, raw", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it("writes only JSON-RPC lines to stdout and exits when stdin closes", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/mcp/stdio-entry.ts"], {
      cwd: ROOT,
      env: { ...process.env, WXAGENT_HOME: world.paths.home, WXAGENT_LOG_LEVEL: "debug" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const responses = () => out.split("\n").filter((l) => l.includes('"id"')).length;
    const waitFor = async (n: number) => {
      for (let i = 0; i < 200 && responses() < n; i++) await new Promise((r) => setTimeout(r, 50));
    };
    const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    await waitFor(1);
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "list_accounts", arguments: {} } });
    send({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "send_text", arguments: { to: "u-stranger", text: "x" } },
    });
    await waitFor(4);
    child.stdin.end();
    expect(await exited).toBe(0);

    const lines = out.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" });
    const byId = new Map(lines.map((l) => JSON.parse(l)).map((m) => [m.id, m]));
    expect(byId.get(3)?.result?.isError).toBeFalsy();
    expect(byId.get(4)?.result).toMatchObject({ isError: true });
    // The logs went to stderr (debug level: plenty of them), none to stdout.
    expect(err).toContain("polling");
  });
});
