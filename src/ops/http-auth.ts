/**
 * HTTP guards shared by the MCP endpoint and the REST API: the admin bearer token, and a refusal
 * of cross-site browser requests (an Origin that is not loopback: the DNS-rebinding guard).
 */
import type { Context, MiddlewareHandler } from "hono";
import { errorBody } from "./errors.js";
import { bearerMatches } from "./token.js";

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Refuse a cross-site browser request: an Origin header must name a loopback host. */
export const loopbackOrigin: MiddlewareHandler = async (c, next) => {
  const origin = c.req.header("origin");
  if (origin && origin !== "null") {
    let host = "";
    try {
      host = new URL(origin).hostname;
    } catch {
      host = "";
    }
    if (!LOOPBACK_HOSTS.has(host)) {
      return c.json(errorBody("FORBIDDEN", `requests from ${origin} are not allowed`), 403);
    }
  }
  return next();
};

/** Bearer-token auth with a JSON 401 that says where the token is. */
export function requireToken(token: string | (() => string)): MiddlewareHandler {
  return async (c: Context, next) => {
    const want = typeof token === "function" ? token() : token;
    if (!bearerMatches(c.req.header("authorization"), want)) {
      c.header("WWW-Authenticate", 'Bearer realm="wxagent"');
      return c.json(
        errorBody(
          "UNAUTHORIZED",
          "missing or wrong token: send `Authorization: Bearer <token>` with the token from <WXAGENT_HOME>/admin-token",
        ),
        401,
      );
    }
    return next();
  };
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}
