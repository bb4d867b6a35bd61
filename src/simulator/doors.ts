/**
 * The simulator's doors: which requests a browser may make. A web page on another name (DNS
 * rebinding: `evil.example` answering 127.0.0.1) or another origin must not read the bot tokens
 * of `GET /sim/accounts` nor write as a user through `POST /sim/messages`.
 *
 *   - Host: on a socket (`startSimulator`), a request names an address the simulator serves:
 *     the bound host and port; for a loopback bind also `localhost`, `127.0.0.1` and `[::1]` with
 *     that port; for a wildcard bind (0.0.0.0, ::) also every address of this machine's
 *     interfaces with that port (an IP literal cannot be rebound); plus `allowedHosts` (`*` turns
 *     the Host check off, for a trusted reverse proxy). A rebinding page always sends its own
 *     name, so this is what stops it.
 *   - Origin: a request from a page carries `Origin`; it must be this very origin (`http(s)://`
 *     + Host), and `Sec-Fetch-Site` must be `same-origin` or `none`. That refuses cross-origin
 *     `text/plain` and form posts, which CORS would let through without a preflight.
 *
 * The control API (`/sim/*`, SSE included) and the chat page's assets get both checks. The chat
 * page itself (GET `/`) is also opened by navigation (the printed URL, a QR link from the admin
 * UI): a navigation gets the Host check only, it can read nothing across origins. The iLink
 * endpoints and the CDN serve non-browser clients that send neither Origin nor Sec-Fetch-*
 * and reach the simulator under names it cannot know (docker service names, ssh tunnels,
 * /etc/hosts aliases); they carry a bot token or an unguessable media parameter anyway. So only a
 * request that shows a browser's marks (Origin or Sec-Fetch-Site) is checked there, fully.
 *
 * The simulator imports only ilink's wire types, so this is its own small copy of the policy
 * that src/shared/doors.ts gives the admin UI and the MCP server.
 */
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { Context, MiddlewareHandler } from "hono";
import { toJsonText } from "./json.js";

export interface SimDoors {
  /** the address the socket is bound to ("127.0.0.1", "::1", "localhost", "0.0.0.0", "::", a name) */
  bindHost: string;
  port: number;
  /** more Host values to accept: `name` (the bound port) or `name:port`; `*` accepts any Host */
  allowedHosts?: readonly string[];
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARD_BINDS = new Set(["0.0.0.0", "::", "[::]", ""]);

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

const isLoopbackBind = (host: string): boolean =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The machine's own addresses, read again at most every 10 s (DHCP, VPNs). */
let interfaceCache: { atMs: number; hosts: string[] } | undefined;
function interfaceHosts(): string[] {
  const now = Date.now();
  if (interfaceCache && now - interfaceCache.atMs < 10_000) return interfaceCache.hosts;
  const hosts: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) hosts.push(a.family === "IPv6" ? `[${a.address.split("%")[0]}]` : a.address);
  }
  interfaceCache = { atMs: now, hosts };
  return hosts;
}

/** The Host values (`host:port`) a socket serves, and its port for messages. */
export interface Served {
  hosts: Set<string>;
  port: number;
}

/** The Host values a socket bound this way serves (`undefined`: any Host). */
export function servedHosts(doors: SimDoors): Served | undefined {
  const { port } = doors;
  const extra = doors.allowedHosts ?? [];
  if (extra.includes("*")) return undefined;
  const out = new Set<string>();
  const add = (h: string): void => {
    const n = normalizeHost(h, port);
    if (n) out.add(n);
  };
  const bind = doors.bindHost.toLowerCase();
  if (WILDCARD_BINDS.has(bind)) {
    for (const h of [...LOOPBACK_NAMES, ...interfaceHosts()]) add(h);
  } else {
    add(bind);
    if (isLoopbackBind(bind)) for (const h of LOOPBACK_NAMES) add(h);
  }
  for (const h of extra) add(h);
  return { hosts: out, port };
}

export interface DoorRefusal {
  code: "HOST_NOT_ALLOWED" | "CROSS_ORIGIN";
  message: string;
}

/** Refuses a Host the socket does not serve; `served` undefined means any Host (in-process use). */
export function hostRefusal(host: string | undefined, served: Served | undefined): DoorRefusal | undefined {
  if (!served) return undefined;
  const n = host === undefined ? undefined : normalizeHost(host, 80);
  if (n && served.hosts.has(n)) return undefined;
  const named = host === undefined ? "no Host header" : `Host ${JSON.stringify(host)}`;
  const list = [...served.hosts].slice(0, 6).join(", ");
  return {
    code: "HOST_NOT_ALLOWED",
    message:
      `${named} is not an address this simulator serves (${list}${served.hosts.size > 6 ? ", …" : ""}): ` +
      `open it at one of those, or start it with \`--allowed-host ${n ? n : `<name>:${served.port}`}\` ` +
      "if that name is really yours (a page on another name reaching it is a DNS-rebinding attack)",
  };
}

/** Refuses a request a page of another origin makes (Origin, or Sec-Fetch-Site cross-site / same-site). */
export function originRefusal(
  origin: string | undefined,
  fetchSite: string | undefined,
  host: string | undefined,
): DoorRefusal | undefined {
  const own = host ? [`http://${host}`, `https://${host}`].map((o) => o.toLowerCase()) : [];
  if (origin !== undefined && !own.includes(origin.toLowerCase())) {
    return {
      code: "CROSS_ORIGIN",
      message:
        `cross-origin request refused: a page from ${origin} may not use the simulator's control API; ` +
        `open the chat page at ${own[0] ?? "the simulator's own address"}/, or call the API from a script or curl (no Origin header)`,
    };
  }
  if (fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none") {
    return {
      code: "CROSS_ORIGIN",
      message:
        `cross-origin request refused (Sec-Fetch-Site: ${fetchSite}): only the simulator's own chat page ` +
        "may use the control API from a browser; scripts and curl send no such header",
    };
  }
  return undefined;
}

type Door = "control" | "page" | "ilink";

function doorOf(path: string): Door {
  if (path.startsWith("/ilink/") || path.startsWith("/c2c/") || path === "/c2c") return "ilink";
  if (path.startsWith("/sim/") || path === "/sim") return "control";
  return "page";
}

/**
 * The middleware, mounted before every route. `served()` is read per request: `startSimulator`
 * knows the port only once it listens.
 */
export function doorGuard(served: () => Served | undefined): MiddlewareHandler {
  return async (c, next) => {
    // Only a request off the socket (node-server passes `incoming`) is Host-checked: the
    // in-process fetch routes by path whatever the host, and nothing outside can reach it.
    const onSocket = (c.env as { incoming?: unknown } | undefined)?.incoming !== undefined;
    const refusal = refuse(c, onSocket ? served() : undefined);
    if (refusal)
      return c.body(toJsonText({ error: refusal.message, code: refusal.code }), 403, {
        "content-type": "application/json",
      });
    return next();
  };
}

function refuse(c: Context, served: Served | undefined): DoorRefusal | undefined {
  const origin = c.req.header("origin");
  const fetchSite = c.req.header("sec-fetch-site");
  const host = c.req.header("host");
  const door = doorOf(c.req.path);
  if (door === "ilink" && origin === undefined && fetchSite === undefined) return undefined;
  const badHost = hostRefusal(host, served);
  if (badHost) return badHost;
  const navigation =
    door === "page" &&
    (c.req.method === "GET" || c.req.method === "HEAD") &&
    origin === undefined &&
    (c.req.header("sec-fetch-mode") ?? "navigate") === "navigate";
  if (navigation) return undefined;
  return originRefusal(origin, fetchSite, host ?? new URL(c.req.url).host);
}
