/**
 * The admin app on a loopback socket. `url` is what `wxagent start` prints, with `?token=` added
 * (see `adminUrl`), so the first visit in a browser logs in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { servedHosts, withHostCheck } from "../shared/doors.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export interface AdminServer {
  /** `http://127.0.0.1:<port>` (no token). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** What the server answers with: a Hono app, or anything with its `fetch` (see cli/admin-lazy.ts). */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>;
}

export interface StartAdminServerOptions {
  app: FetchApp;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  host?: string;
  /** 0 picks a free port; the config's `admin.port` is 8791. */
  port: number;
}

export async function startAdminServer(options: StartAdminServerOptions): Promise<AdminServer> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) {
    throw new Error(`the admin UI binds to loopback only (127.0.0.1, ::1 or localhost), not ${host}`);
  }
  // Only the names this socket is served under: a page on another name is DNS rebinding.
  let served: { hosts: Set<string>; server: string; url: string } | undefined;
  const fetch = withHostCheck(
    (request: Request) => options.app.fetch(request),
    () => served,
  );
  // The socket listens at once (the banner prints its URL); the Fetch-to-node:http adapter loads
  // with the first request, so an idle gateway whose admin UI nobody opens never holds it.
  let listener: Promise<(req: IncomingMessage, res: ServerResponse) => unknown> | undefined;
  const server = createServer((req, res) => {
    listener ??= import("@hono/node-server").then((m) => m.getRequestListener(fetch));
    listener.then(
      (handle) => handle(req, res),
      () => {
        res.statusCode = 500;
        res.end("the admin UI failed to load; see the gateway's log");
      },
    );
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      const info = server.address() as AddressInfo;
      served = {
        hosts: servedHosts(host, info.port),
        server: "the admin UI",
        url: `${urlOf(host, info.port)}/`,
      };
      server.off("error", reject);
      resolve(info.port);
    });
  });
  return {
    url: urlOf(host, port),
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const urlOf = (host: string, port: number): string =>
  `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

/** The URL to print: opening it sets the session cookie and drops the token from the address bar. */
export function adminUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/?token=${encodeURIComponent(token)}`;
}
