/**
 * The simulator's chat page: a WeChat-like web page on which a person plays WeChat users talking
 * to a bot. A Hono sub-app with three routes, mounted by the simulator at its root:
 *
 *   GET /              the page (language from Accept-Language, else the browser's)
 *   GET /chat/app.css  the stylesheet
 *   GET /chat/app.js   the browser script (./browser, bundled: script.ts)
 *   GET /chat/favicon.svg (and /favicon.ico) the tab icon
 *
 * It talks to the simulator only through the control API under /sim/, like any other client.
 */
import { type Context, Hono } from "hono";
import { chatFavicon } from "./favicon.js";
import { pickLocale } from "./i18n.js";
import { ChatPage } from "./page.js";
import { loadChatScript } from "./script.js";
import { chatStyles } from "./styles.js";

export { dictionaries, type Locale, pickLocale } from "./i18n.js";
export { ChatScriptError, loadChatScript } from "./script.js";

const ASSET_BASE = "/chat";

export function createChatPage(): Hono {
  const app = new Hono();
  app.get("/", (c) => {
    const locale = pickLocale(c.req.header("Accept-Language"));
    c.header("Cache-Control", "no-store");
    c.header("Vary", "Accept-Language");
    // Never inside another site's frame: its clicks would be the owner's (clickjacking).
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", "frame-ancestors 'none'");
    return c.html(`<!doctype html>${ChatPage({ locale, assetBase: ASSET_BASE })}`);
  });
  app.get(`${ASSET_BASE}/app.css`, (c) => {
    c.header("Cache-Control", "no-cache");
    return c.body(chatStyles, 200, { "content-type": "text/css; charset=utf-8" });
  });
  const icon = (c: Context) => {
    c.header("Cache-Control", "max-age=86400");
    return c.body(chatFavicon, 200, { "content-type": "image/svg+xml" });
  };
  app.get(`${ASSET_BASE}/favicon.svg`, icon);
  app.get("/favicon.ico", icon);
  app.get(`${ASSET_BASE}/app.js`, async (c) => {
    const script = await loadChatScript();
    c.header("Cache-Control", "no-cache");
    return c.body(script, 200, { "content-type": "text/javascript; charset=utf-8" });
  });
  return app;
}
