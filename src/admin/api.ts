/**
 * The REST API: the MCP server's operations as JSON routes under `/api`, behind the admin token,
 * with an OpenAPI 3.1 document (`/api/openapi.json`) and a "try it" page (`/api/docs`), both
 * generated from the same operation definitions. Errors are `{error: {code, message, retryable}}`
 * with an HTTP status per code. Mount it in the admin server with `app.route("/", createApiApp(ctx, …))`.
 */
import { type Context, Hono } from "hono";
import type { OpsContext } from "../ops/context.js";
import type { Op, OpOutcome } from "../ops/define.js";
import { errorBody, HTTP_STATUS, type Names, OpsError, toOpsError } from "../ops/errors.js";
import { loopbackOrigin, requireToken } from "../ops/http-auth.js";
import { OPS } from "../ops/index.js";
import { DOCS_SCRIPT, docsPage } from "./docs-page.js";
import { pickLocale } from "./i18n.js";
import { buildOpenApi } from "./openapi.js";
import { ADMIN_CSS } from "./styles.js";

export interface ApiAppOptions {
  /** The admin token (or a getter, when it can change). */
  token: string | (() => string);
  /** Default: every operation. */
  ops?: readonly Op[];
  /** Mounted in the admin UI: the docs page gets its sidebar and relies on its session. */
  inAdmin?: boolean;
}

/** The docs page runs no inline script or style. */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function restBody(outcome: OpOutcome): Record<string, unknown> {
  if (!outcome.image) return outcome.data;
  const { mimeType, base64 } = outcome.image;
  return {
    ...outcome.data,
    image: { mime_type: mimeType, data_url: `data:${mimeType};base64,${base64}` },
  };
}

/** Error messages name the routes (`GET /api/contacts`), not the MCP tools. */
function restNames(ops: readonly Op[]): Names {
  return {
    op: (name) => {
      const op = ops.find((o) => o.name === name) ?? OPS.find((o) => o.name === name);
      return op ? `\`${op.rest.method} /api${op.rest.path}\`` : name;
    },
    field: (name) => `\`${name}\``,
  };
}

function errorResponse(c: Context, err: unknown, names: Names): Response {
  const e = toOpsError(err);
  return c.json(errorBody(e.code, e.messageFor(names), e.isRetryable), HTTP_STATUS[e.code]);
}

async function readInput(c: Context, op: Op): Promise<Record<string, unknown>> {
  const params = c.req.param() as Record<string, string>;
  if (op.rest.method === "GET") return { ...c.req.query(), ...params };
  const text = await c.req.text();
  if (text.trim() === "") return { ...params };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OpsError("BAD_INPUT", `${op.name}: the body is not JSON; send a JSON object`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new OpsError("BAD_INPUT", `${op.name}: the body must be a JSON object`);
  }
  return { ...(body as Record<string, unknown>), ...params };
}

export function createApiApp(ctx: OpsContext, options: ApiAppOptions): Hono {
  const ops = options.ops ?? OPS;
  const names = restNames(ops);
  const app = new Hono();
  // The document and the page hold no data: readable without the token, so a person can start there.
  app.get("/api/openapi.json", (c) => c.json(buildOpenApi(ops, { serverUrl: new URL(c.req.url).origin })));
  app.get("/api/docs", (c) => {
    c.header("Vary", "Accept-Language");
    c.header("Content-Security-Policy", DOCS_CSP);
    const locale = pickLocale(c.req.header("accept-language"));
    return c.html(docsPage(ops, { locale, inAdmin: options.inAdmin === true }));
  });
  app.get("/api/docs.js", (c) =>
    c.body(DOCS_SCRIPT, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "max-age=3600",
    }),
  );
  app.get("/api/docs.css", (c) =>
    c.body(ADMIN_CSS, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600" }),
  );
  app.use("/api/*", loopbackOrigin, requireToken(options.token));
  for (const op of ops) {
    const handler = async (c: Context) => {
      try {
        const input = await readInput(c, op);
        return c.json(restBody(await op.invoke(ctx, input, c.req.raw.signal)));
      } catch (err) {
        return errorResponse(c, err, names);
      }
    };
    if (op.rest.method === "GET") app.get(`/api${op.rest.path}`, handler);
    else app.post(`/api${op.rest.path}`, handler);
  }
  app.all("/api/*", (c) =>
    c.json(errorBody("NOT_FOUND", `no API route ${c.req.method} ${c.req.path}; see /api/docs`), 404),
  );
  return app;
}
