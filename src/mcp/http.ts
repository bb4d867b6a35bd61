/**
 * `wxagent mcp --http PORT`: streamable HTTP at `/mcp` on 127.0.0.1, behind the admin token
 * (`Authorization: Bearer <token>`, the token in `<home>/admin-token`). Requests from a browser
 * page of another origin are refused too (DNS-rebinding guard), whatever they carry.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { Hono } from "hono";
import type { OpsContext } from "../ops/context.js";
import { isLoopbackHost, loopbackOrigin, requireToken } from "../ops/http-auth.js";
import { ensureAdminToken } from "../ops/token.js";
import { servedHosts, withHostCheck } from "../shared/doors.js";
import { type McpRuntime, type McpRuntimeOptions, openMcpRuntime } from "./runtime.js";
import { createMcpServer } from "./server.js";

export interface McpRoutesOptions {
  token: string | (() => string);
}

export interface McpRoutes {
  /** Hono app serving `/mcp` (mount it at `/`). */
  app: Hono;
  close(): Promise<void>;
}

/** `/mcp` for any Hono app (the admin server can mount it too). */
export function mcpRoutes(ctx: OpsContext, options: McpRoutesOptions): McpRoutes {
  const handler = createMcpHandler(() => createMcpServer(ctx), {
    onerror: (err) => ctx.logger.debug({ err: err.message }, "mcp http request rejected"),
  });
  const app = new Hono();
  app.use("/mcp", loopbackOrigin, requireToken(options.token));
  app.all("/mcp", (c) => handler.fetch(c.req.raw));
  return { app, close: () => handler.close() };
}

export interface StartMcpHttpOptions extends McpRuntimeOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1; anything but loopback is refused. */
  host?: string;
  /** More routes on the same server (e.g. the REST API: `app.route("/", createApiApp(...))`). */
  mount?: (app: Hono, runtime: McpRuntime, token: string) => void;
}

export interface McpHttpServer {
  url: string;
  /** `url` + `/mcp`. */
  mcpUrl: string;
  port: number;
  token: string;
  runtime: McpRuntime;
  close(): Promise<void>;
}

export async function startMcpHttp(options: StartMcpHttpOptions): Promise<McpHttpServer> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(host)) {
    throw new Error(`refusing to serve MCP on ${host}: only loopback (127.0.0.1, ::1) is allowed`);
  }
  const runtime = await openMcpRuntime(options);
  const token = ensureAdminToken(runtime.paths);
  const routes = mcpRoutes(runtime.ctx, { token });
  const app = new Hono();
  app.route("/", routes.app);
  options.mount?.(app, runtime, token);
  let server: ReturnType<typeof serve>;
  let port: number;
  // Only the names this socket is served under: a page on another name is DNS rebinding.
  let served: { hosts: Set<string>; server: string; url: string } | undefined;
  const fetch = withHostCheck(app.fetch, () => served);
  const bare = host.replace(/^\[|\]$/g, "");
  try {
    ({ server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
      (resolve, reject) => {
        const s = serve({ fetch, hostname: host, port: options.port }, (info: AddressInfo) => {
          const at = `http://${bare.includes(":") ? `[${bare}]` : bare}:${info.port}/mcp`;
          served = { hosts: servedHosts(bare, info.port), server: "this MCP server", url: at };
          resolve({ server: s, port: info.port });
        });
        s.once("error", reject);
      },
    ));
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const url = `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
  runtime.ctx.logger.info({ url: `${url}/mcp` }, "MCP server listening");
  let closing: Promise<void> | undefined;
  return {
    url,
    mcpUrl: `${url}/mcp`,
    port,
    token,
    runtime,
    close() {
      closing ??= (async () => {
        await routes.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await runtime.close();
      })();
      return closing;
    },
  };
}
