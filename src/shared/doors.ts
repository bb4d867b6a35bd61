/**
 * The Host check of wxagent's loopback HTTP servers (the admin UI with its REST API, MCP over
 * HTTP): the DNS-rebinding guard. A web page on another name that resolves to 127.0.0.1 talks to
 * the server as its own origin, so Origin checks and SameSite cookies do not see it; the Host
 * header still carries the page's name, so the server answers only the names it is served under:
 * the bound `host:port`, and for a loopback bind also `localhost`, `127.0.0.1` and `[::1]` with
 * that port. Anything else is HTTP 403 `{error: {code: "HOST_NOT_ALLOWED", message, retryable: false}}` before any
 * route (token, CSRF and Origin checks stay where they are and still run after this one).
 *
 * The simulator has its own copy in src/simulator/doors.ts (it imports only ilink's wire types).
 */

import { isIP } from "node:net";
import { isLoopbackBind } from "./loopback.js";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** `host:port` in one spelling: lowercase, IPv6 in brackets, the default port written out. */
export function normalizeHost(value: string, defaultPort: number): string | undefined {
  const v = value.trim().toLowerCase();
  if (v === "" || /[\s/@?#\\]/.test(v)) return undefined;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(v);
  if (m?.[1]) return `${m[1]}:${m[2] ?? defaultPort}`;
  // A bare IPv6 address (a bind host like "::1"): bracket it.
  if (isIP(v) === 6) return `[${v}]:${defaultPort}`;
  return undefined;
}

export { isLoopbackBind };

/** The Host values a server bound to `bindHost:port` answers. */
export function servedHosts(bindHost: string, port: number): Set<string> {
  const out = new Set<string>();
  const names = isLoopbackBind(bindHost) ? [bindHost, ...LOOPBACK_NAMES] : [bindHost];
  for (const name of names) {
    const n = normalizeHost(name, port);
    if (n) out.add(n);
  }
  return out;
}

export interface HostRefusal {
  code: "HOST_NOT_ALLOWED";
  message: string;
  retryable: false;
}

/**
 * Refuses a Host the server does not answer. `server` names it in the message ("the admin UI"),
 * `url` is where to open it instead.
 */
export function hostRefusal(
  host: string | undefined,
  served: ReadonlySet<string>,
  server: string,
  url: string,
): HostRefusal | undefined {
  const n = host === undefined ? undefined : normalizeHost(host, 80);
  if (n && served.has(n)) return undefined;
  const named = host === undefined ? "a request without a Host header" : `Host ${JSON.stringify(host)}`;
  return {
    code: "HOST_NOT_ALLOWED",
    message:
      `${named} is not an address ${server} answers (${[...served].join(", ")}): open it at ${url} ` +
      "(a web page on another name reaching this port is a DNS-rebinding attack, so it is refused)",
    retryable: false,
  };
}

export type FetchHandler = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/**
 * `fetch` for `serve()` that answers 403 to a Host outside `served()` and hands everything else
 * to `handler`. `served()` is read per request: the port is known only once the server listens
 * (until then it returns undefined and nothing is refused, as nothing can arrive).
 */
export function withHostCheck<H extends FetchHandler>(
  handler: H,
  served: () => { hosts: ReadonlySet<string>; server: string; url: string } | undefined,
): H {
  const checked = (request: Request, ...rest: never[]): Response | Promise<Response> => {
    const s = served();
    const refusal = s && hostRefusal(request.headers.get("host") ?? undefined, s.hosts, s.server, s.url);
    if (refusal) {
      return new Response(JSON.stringify({ error: refusal }), {
        status: 403,
        headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
      });
    }
    return handler(request, ...rest);
  };
  return checked as H;
}
