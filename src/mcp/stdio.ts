/**
 * `wxagent mcp` over stdio: stdout carries the protocol and nothing else. Our logs go to stderr
 * (pino on fd 2); a stray `console.log` from any library is sent to stderr too while we serve.
 */
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport, serveStdio } from "@modelcontextprotocol/server/stdio";
import { type McpRuntime, type McpRuntimeOptions, openMcpRuntime } from "./runtime.js";
import { createMcpServer } from "./server.js";

export interface StdioOptions extends McpRuntimeOptions {
  stdin?: Readable;
  stdout?: Writable;
}

export interface StdioHandle {
  runtime: McpRuntime;
  /** Resolves when the client closed stdin (or `close()` was called) and everything is shut. */
  closed: Promise<void>;
  close(): Promise<void>;
}

const CONSOLE_METHODS = ["log", "info", "debug", "warn", "trace", "dir", "table"] as const;

/** Route console output to stderr; returns the undo. */
export function guardStdout(): () => void {
  // biome-ignore lint/suspicious/noConsole: taking console over is the point: stdout is the protocol
  const saved = CONSOLE_METHODS.map((m) => [m, console[m]] as const);
  const toStderr = (...args: unknown[]) => {
    process.stderr.write(`${args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")}\n`);
  };
  for (const m of CONSOLE_METHODS) (console as unknown as Record<string, unknown>)[m] = toStderr;
  return () => {
    for (const [m, fn] of saved) (console as unknown as Record<string, unknown>)[m] = fn;
  };
}

export async function runStdio(options: StdioOptions = {}): Promise<StdioHandle> {
  const restore = guardStdout();
  const runtime = await openMcpRuntime(options).catch((err: unknown) => {
    restore();
    throw err;
  });
  const stdin = options.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  const server = serveStdio(() => createMcpServer(runtime.ctx), {
    transport,
    onerror: (err) => runtime.ctx.logger.warn({ err: err.message }, "mcp stdio error"),
  });
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stdin.off("end", onEnd);
      await server.close().catch(() => {});
      await runtime.close();
      restore();
      resolveClosed();
    })();
    return closing;
  };
  // The client closing our stdin is the end of the session (MCP stdio binding).
  const onEnd = () => void close();
  stdin.once("end", onEnd);
  return { runtime, closed, close };
}
