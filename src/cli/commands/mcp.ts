import type { Command } from "commander";
import { portOption } from "../options.js";
import { onShutdown } from "../signals.js";

export function defineMcp(cmd: Command): void {
  cmd
    .option(
      "--http <port>",
      "streamable HTTP on 127.0.0.1:PORT instead of stdio (needs the admin token)",
      portOption("--http"),
    )
    .option("--no-poll", "never poll accounts (only read the store and send)")
    .action(async (opts: { http?: number; poll: boolean }) => {
      // Loaded here so other commands do not pay for the MCP SDK.
      const { runStdio, startMcpHttp } = await import("../../mcp/index.js");
      const { createApiApp } = await import("../../admin/api.js");
      if (opts.http === undefined) {
        // stdio: stdout carries the protocol and nothing else.
        const handle = await runStdio({ poll: opts.poll, command: "wxagent mcp" });
        onShutdown(() => handle.close());
        await handle.closed;
        await handle.close();
        return;
      }
      const server = await startMcpHttp({
        port: opts.http,
        poll: opts.poll,
        command: "wxagent mcp --http",
        mount: (app, runtime, token) => app.route("/", createApiApp(runtime.ctx, { token })),
      });
      process.stderr.write(
        `wxagent MCP server on ${server.mcpUrl}  (REST ${server.url}/api, try it at ${server.url}/api/docs)\n` +
          `Every request needs "Authorization: Bearer <token>"; the token is in ${server.runtime.paths.adminTokenPath}\n`,
      );
      onShutdown(() => server.close());
    });
}
