/**
 * The admin app on a loopback socket. `url` is what `wxagent start` prints, with `?token=` added
 * (see `adminUrl`), so the first visit in a browser logs in.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { servedHosts, withHostCheck } from "../shared/doors.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export interface AdminServer {
  /** `http://127.0.0.1:<port>` (no token). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartAdminServerOptions {
  app: Hono;
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
  const fetch = withHostCheck(options.app.fetch, () => served);
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve, reject) => {
      const s = serve({ fetch, hostname: host, port: options.port }, (info: AddressInfo) => {
        served = {
          hosts: servedHosts(host, info.port),
          server: "the admin UI",
          url: `${urlOf(host, info.port)}/`,
        };
        resolve({ server: s, port: info.port });
      });
      s.once("error", reject);
    },
  );
  return {
    url: urlOf(host, port),
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

const urlOf = (host: string, port: number): string =>
  `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

/** The URL to print: opening it sets the session cookie and drops the token from the address bar. */
export function adminUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/?token=${encodeURIComponent(token)}`;
}
