/**
 * QR login routes: the page, the start (the `login_start` operation, in the background of this
 * process) and the panel htmx polls every second until the login ends.
 */
import type { Hono } from "hono";
import QRCode from "qrcode";
import { toOpsError } from "../../ops/errors.js";
import { runLoginStart } from "../../ops/login.js";
import type { LoginEntry } from "../../ops/login-registry.js";
import { envOf, isHtmx, type RouteDeps } from "../http.js";
import { LoginError, LoginPage, LoginPanel, type LoginView } from "../pages/login.js";

export function loginRoutes(app: Hono, deps: RouteDeps): void {
  const { ops } = deps;
  const qrImages = new Map<string, string>();
  const qrDataUrl = async (link: string): Promise<string> => {
    let url = qrImages.get(link);
    if (!url) {
      const svg = await QRCode.toString(link, {
        type: "svg",
        margin: 1,
        color: { dark: "#111111", light: "#ffffff" },
      });
      url = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
      if (qrImages.size >= 16) qrImages.delete(qrImages.keys().next().value as string);
      qrImages.set(link, url);
    }
    return url;
  };
  const loginView = async (e: LoginEntry): Promise<LoginView> => {
    const running = e.state === "waiting" || e.state === "scanned";
    const v: LoginView = { id: e.id, status: e.state, qrCount: e.qrCount, replaced: e.replaced };
    if (e.error) v.message = e.error;
    if (e.accountId) v.account = e.accountId;
    if (running && e.qr) {
      v.link = e.qr.url;
      v.qrDataUrl = await qrDataUrl(e.qr.url);
    }
    return v;
  };
  const defaultBaseUrl = deps.simulatorUrl ?? "";

  app.get("/login", async (c) => {
    const id = c.req.query("id");
    const entry = id ? ops.logins.get(id) : undefined;
    const view = entry ? await loginView(entry) : undefined;
    const env = envOf(c);
    return c.html(
      <LoginPage
        env={env}
        baseUrl={defaultBaseUrl}
        {...(view ? { view } : {})}
        {...(id && !entry ? { error: env.t.notFound } : {})}
      />,
    );
  });
  app.post("/login/start", async (c) => {
    const form = await c.req.parseBody();
    const raw = typeof form.base_url === "string" ? form.base_url.trim() : "";
    const env = envOf(c);
    let loginId: string;
    try {
      if (raw !== "" && !/^https?:\/\//i.test(raw)) throw new Error(`${raw} is not an http(s) URL`);
      const outcome = await runLoginStart(ops, raw === "" ? undefined : raw);
      loginId = String(outcome.data.login_id);
    } catch (err) {
      const message = toOpsError(err).message;
      if (isHtmx(c)) return c.html(<LoginError message={message} />);
      return c.html(<LoginPage env={env} baseUrl={raw} error={message} />, 502);
    }
    if (!isHtmx(c)) return c.redirect(`/login?id=${encodeURIComponent(loginId)}`, 303);
    const entry = ops.logins.get(loginId);
    c.header("HX-Push-Url", `/login?id=${encodeURIComponent(loginId)}`);
    return c.html(
      entry ? <LoginPanel v={await loginView(entry)} t={env.t} /> : <LoginError message={env.t.notFound} />,
    );
  });
  app.get("/login/:id/panel", async (c) => {
    const entry = ops.logins.get(c.req.param("id"));
    const env = envOf(c);
    // 200, so htmx swaps it in place of the panel and the polling stops.
    if (!entry) return c.html(<LoginError message={env.t.notFound} />);
    return c.html(<LoginPanel v={await loginView(entry)} t={env.t} />);
  });
}
