/**
 * The MCP server of wxagent: every operation of `src/ops` as a tool, over stdio (`runStdio`) or
 * streamable HTTP on loopback behind the admin token (`startMcpHttp`, or `mcpRoutes` to mount
 * `/mcp` in another Hono app).
 */
export {
  type McpHttpServer,
  type McpRoutes,
  type McpRoutesOptions,
  mcpRoutes,
  type StartMcpHttpOptions,
  startMcpHttp,
} from "./http.js";
export { type McpRuntime, type McpRuntimeOptions, openMcpRuntime } from "./runtime.js";
export { callOp, createMcpServer, SERVER_NAME, SERVER_VERSION, toToolError, toToolResult } from "./server.js";
export { guardStdout, runStdio, type StdioHandle, type StdioOptions } from "./stdio.js";
