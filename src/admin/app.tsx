/**
 * The admin web UI: server-rendered pages (hono/jsx) with htmx for live parts, over the same
 * operations as the MCP server and the REST API, which is mounted here under `/api`. Everything
 * but the two static assets needs the admin token (see auth.ts). Served by `wxagent start` on
 * loopback.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Context, Hono } from "hono";
import type { Config } from "../config/schema.js";
import type { OpsContext } from "../ops/context.js";
import { errorBody, toOpsError } from "../ops/errors.js";
import { createApiApp } from "./api.js";
import { adminAuth } from "./auth.js";
import { type AdminGateway, accountViews, pairingRequests, trafficPerMinute } from "./data.js";
import { adminFavicon } from "./favicon.js";
import { envOf, type RouteDeps } from "./http.js";
import { CodeText, DOCTYPE, FaviconLink, Layout } from "./layout.js";
import type { LogBuffer, LogLevelName } from "./log-buffer.js";
import { AccountCards, AccountsPage } from "./pages/accounts.js";
import { LOG_LEVELS, LogLines, LogsPage } from "./pages/logs.js";
import { LiveChart, OverviewPage } from "./pages/overview.js";
import { contactRoutes } from "./routes/contacts.js";
import { loginRoutes } from "./routes/login.js";
import { scheduleRoutes } from "./routes/schedules.js";
import { ADMIN_CSS } from "./styles.js";

export interface AdminAppOptions {
  /** The operations context: store, home paths, SDK clients, delivery, QR logins. */
  ops: OpsContext;
  /** The admin token (`ensureAdminToken(paths)`). */
  token: string;
  /** The loaded config: per-account profiles decide the default policy and preset shown. */
  config?: Partial<Config>;
  /** The gateway running in this process, for live status and the questions agents wait on. */
  gateway?: AdminGateway;
  /** Recent log lines for the Logs page (add it to the logger's streams). */
  logBuffer?: LogBuffer;
  /** Prefills the QR login form's server (the embedded simulator of `npm start`). */
  simulatorUrl?: string;
}

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

let htmxSource: string | undefined;
function htmxJs(): string {
  htmxSource ??= readFileSync(createRequire(import.meta.url).resolve("htmx.org/dist/htmx.min.js"), "utf8");
  return htmxSource;
}

export function createAdminApp(options: AdminAppOptions): Hono {
  const { ops, token } = options;
  const config = options.config ?? {};
  const app = new Hono();
  const deps: RouteDeps = { ops, config, gateway: options.gateway, simulatorUrl: options.simulatorUrl };

  // Static assets hold no data: served without the token so the 401 page is styled (and has its icon) too.
  app.get("/static/admin.css", (c) =>
    c.body(ADMIN_CSS, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600" }),
  );
  const icon = (c: Context) =>
    c.body(adminFavicon, 200, { "Content-Type": "image/svg+xml", "Cache-Control": "max-age=86400" });
  app.get("/static/favicon.svg", icon);
  app.get("/favicon.ico", icon);
  app.get("/static/htmx.min.js", (c) =>
    c.body(htmxJs(), 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "max-age=86400",
    }),
  );

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
    if ((c.res.headers.get("Content-Type") ?? "").startsWith("text/html") && !c.req.path.startsWith("/api")) {
      c.header("Content-Security-Policy", PAGE_CSP);
    }
  });
  app.use(
    "*",
    adminAuth({
      token,
      unauthorizedPage: (c) => {
        const { t, locale } = envOf(c);
        return c.html(
          <>
            {DOCTYPE}
            <html lang={locale}>
              <head>
                <meta charset="utf-8" />
                <title>{t.unauthorizedTitle}</title>
                <FaviconLink />
                <link rel="stylesheet" href="/static/admin.css" />
              </head>
              <body>
                <div class="gate card" id="unauthorized">
                  <div class="logo">W</div>
                  <h1>{t.unauthorizedTitle}</h1>
                  <p class="sub">
                    <CodeText text={t.unauthorizedText} /> <code>$WXAGENT_HOME/admin-token</code>
                  </p>
                </div>
              </body>
            </html>
          </>,
          401,
        );
      },
    }),
  );

  // --- Overview, accounts -------------------------------------------------------------------
  app.get("/", async (c) => {
    const accounts = await accountViews(ops, options.gateway);
    const data = {
      accounts,
      contacts: (await ops.store.contacts.list()).length,
      pairing: (await pairingRequests(ops)).filter((r) => !r.expired).length,
      buckets: await trafficPerMinute(ops),
    };
    return c.html(<OverviewPage env={envOf(c)} data={data} />);
  });
  app.get("/partials/chart", async (c) =>
    c.html(<LiveChart buckets={await trafficPerMinute(ops)} t={envOf(c).t} />),
  );
  app.get("/partials/accounts", async (c) => {
    const { t, locale } = envOf(c);
    const accounts = await accountViews(ops, options.gateway);
    return c.html(<AccountCards accounts={accounts} t={t} locale={locale} poll={true} />);
  });
  app.get("/accounts", async (c) =>
    c.html(<AccountsPage env={envOf(c)} accounts={await accountViews(ops, options.gateway)} />),
  );

  loginRoutes(app, deps);
  contactRoutes(app, deps);
  scheduleRoutes(app, deps);

  // --- Logs ----------------------------------------------------------------------------------
  const levelOf = (c: Context): LogLevelName => {
    const q = c.req.query("level");
    return LOG_LEVELS.find((l) => l === q) ?? "info";
  };
  const logEntries = (level: LogLevelName) => options.logBuffer?.entries({ minLevel: level, limit: 300 });
  app.get("/logs", (c) => {
    const level = levelOf(c);
    return c.html(<LogsPage env={envOf(c)} entries={logEntries(level)} level={level} />);
  });
  app.get("/partials/logs", (c) => {
    const level = levelOf(c);
    return c.html(<LogLines entries={logEntries(level)} level={level} t={envOf(c).t} />);
  });

  // --- REST API ------------------------------------------------------------------------------
  // The API checks the bearer header itself; a browser session (cookie) already passed the gate
  // above, so its requests reach the API as if they carried the header (the "try it" page works).
  const api = createApiApp(ops, { token, inAdmin: true });
  const bearer = `Bearer ${token}`;
  app.all("/api/*", (c) => {
    const headers = new Headers(c.req.raw.headers);
    headers.set("authorization", bearer);
    return api.fetch(new Request(c.req.raw, { headers }));
  });

  app.notFound((c) => {
    if (c.req.path.startsWith("/api/")) {
      return c.json(errorBody("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`), 404);
    }
    const env = envOf(c);
    return c.html(
      <Layout env={env} title={env.t.notFound}>
        <div class="card empty">{c.req.path}</div>
      </Layout>,
      404,
    );
  });
  app.onError((err, c) => {
    const e = toOpsError(err);
    ops.logger.error({ path: c.req.path, err: e.message }, "admin request failed");
    return c.json(errorBody(e.code, e.message, e.isRetryable), 500);
  });
  return app;
}
