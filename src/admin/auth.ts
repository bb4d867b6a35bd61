/**
 * The admin token guards every page and the API. Three ways to carry it:
 *   - `Authorization: Bearer <token>` (scripts, the API);
 *   - `?token=<token>` on the first visit (the URL `wxagent start` prints): answered with a
 *     cookie and a redirect to the same URL without the token, so it leaves the address bar and
 *     the history;
 *   - that cookie: HttpOnly, SameSite=Strict, holding a hash of the token (not the token itself).
 * State-changing requests from a page of another origin are refused whatever they carry.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { errorBody } from "../ops/errors.js";
import { bearerMatches } from "../ops/token.js";

export const SESSION_COOKIE = "wxagent_admin";

/** What the cookie holds: derived from the token, so a leaked cookie value is not the API token. */
export function sessionValue(token: string): string {
  return createHash("sha256").update(`wxagent-admin-session\u0000${token}`).digest("base64url");
}

function sameSecret(given: string | undefined, want: string): boolean {
  if (!given || !want) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** An Origin header, when present, must be this server's own origin. */
function foreignOrigin(c: Context): string | undefined {
  const origin = c.req.header("origin");
  if (!origin || origin === "null") return origin === "null" ? origin : undefined;
  return origin === new URL(c.req.url).origin ? undefined : origin;
}

export interface AdminAuthOptions {
  token: string;
  /** The 401 answer for a browser (HTML); API and script callers get JSON. */
  unauthorizedPage: (c: Context) => Response | Promise<Response>;
}

const UNAUTHORIZED_MESSAGE =
  "missing or wrong token: send `Authorization: Bearer <token>` with the token from <WXAGENT_HOME>/admin-token, or open the URL `wxagent start` printed";

export function adminAuth(options: AdminAuthOptions): MiddlewareHandler {
  const { token } = options;
  const session = sessionValue(token);
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = foreignOrigin(c);
      if (origin !== undefined) {
        return c.json(errorBody("FORBIDDEN", `requests from ${origin} are not allowed`), 403);
      }
    }
    const url = new URL(c.req.url);
    const fromQuery = url.searchParams.get("token");
    if (fromQuery !== null && sameSecret(fromQuery, token) && c.req.method === "GET") {
      setCookie(c, SESSION_COOKIE, session, { httpOnly: true, sameSite: "Strict", path: "/" });
      url.searchParams.delete("token");
      const rest = url.searchParams.toString();
      return c.redirect(`${url.pathname}${rest ? `?${rest}` : ""}`, 303);
    }
    if (
      bearerMatches(c.req.header("authorization"), token) ||
      sameSecret(getCookie(c, SESSION_COOKIE), session)
    ) {
      await next();
      return;
    }
    c.header("WWW-Authenticate", 'Bearer realm="wxagent"');
    if (wantsHtml(c)) return options.unauthorizedPage(c);
    return c.json(errorBody("UNAUTHORIZED", UNAUTHORIZED_MESSAGE), 401);
  };
}

function wantsHtml(c: Context): boolean {
  if (c.req.path === "/api" || c.req.path.startsWith("/api/")) return false;
  return (c.req.header("accept") ?? "").includes("text/html");
}
