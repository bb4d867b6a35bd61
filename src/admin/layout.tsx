/** The page frame (sidebar, header) and small shared pieces of the admin pages. */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { Dict, Locale } from "./i18n.js";
import { Icon, type IconName } from "./icons.js";

export type NavKey = "overview" | "login" | "accounts" | "contacts" | "schedules" | "logs" | "api";

export interface PageEnv {
  t: Dict;
  locale: Locale;
}

const NAV: { key: NavKey; href: string; icon: IconName; label: (t: Dict) => string }[] = [
  { key: "overview", href: "/", icon: "overview", label: (t) => t.navOverview },
  { key: "login", href: "/login", icon: "qr", label: (t) => t.navLogin },
  { key: "accounts", href: "/accounts", icon: "account", label: (t) => t.navAccounts },
  { key: "contacts", href: "/contacts", icon: "contacts", label: (t) => t.navContacts },
  { key: "schedules", href: "/schedules", icon: "clock", label: (t) => t.navSchedules },
  { key: "logs", href: "/logs", icon: "logs", label: (t) => t.navLogs },
];

/** The tab icon (served without the token, like the stylesheet). */
export const FaviconLink = () => <link rel="icon" type="image/svg+xml" href="/static/favicon.svg" />;

/** Without a doctype the browser renders in quirks mode (tables then ignore the page's font). */
export const DOCTYPE = raw("<!DOCTYPE html>");

export function Layout(props: {
  env: PageEnv;
  title: string;
  active?: NavKey;
  sub?: string;
  actions?: Child;
  children?: Child;
}) {
  const { t, locale } = props.env;
  return (
    <>
      {DOCTYPE}
      <html lang={locale}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {/* No injected <style> (the CSP allows stylesheets from 'self' only), no eval, and no page
            snapshots of admin data kept in localStorage for the history. */}
          <meta
            name="htmx-config"
            content='{"includeIndicatorStyles":false,"allowEval":false,"historyCacheSize":0,"refreshOnHistoryMiss":true}'
          />
          <title>{`${props.title} · ${t.appName}`}</title>
          <FaviconLink />
          <link rel="stylesheet" href="/static/admin.css" />
          <script src="/static/htmx.min.js" defer />
        </head>
        <body>
          <div class="shell">
            <aside class="side">
              <div class="brand">
                <span class="logo">W</span>
                <span class="t">{t.appName}</span>
              </div>
              <nav>
                {NAV.map((n) => (
                  <a href={n.href} class={props.active === n.key ? "on" : undefined} data-nav={n.key}>
                    <Icon name={n.icon} />
                    <span class="t">{n.label(t)}</span>
                  </a>
                ))}
                <a href="/api/docs" data-nav="api" class={props.active === "api" ? "on" : undefined}>
                  <Icon name="api" />
                  <span class="t">{t.navApi}</span>
                </a>
              </nav>
              <div class="foot">{t.footLoopback}</div>
            </aside>
            <main class="main">
              <header>
                <div>
                  <h1>{props.title}</h1>
                  {props.sub ? <div class="sub">{props.sub}</div> : null}
                </div>
                {props.actions ?? null}
              </header>
              {props.children}
            </main>
          </div>
        </body>
      </html>
    </>
  );
}

/** "2026-11-21 22:31:05" in the server's time zone; a dash for undefined. */
export function fmtTime(ms: number | undefined, t: Dict): string {
  if (ms === undefined || !Number.isFinite(ms)) return t.never;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function fmtBytes(n: number | undefined): string {
  if (n === undefined) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Where a contact's conversation page is (ids may hold `@` and other URL characters). */
export function conversationHref(accountId: string, userId: string): string {
  return `/contacts/${encodeURIComponent(accountId)}/${encodeURIComponent(userId)}`;
}

/** Initials for an avatar square: the first letter of a name or id. */
export function initial(nameOrId: string): string {
  const ch = [...nameOrId.trim()][0] ?? "?";
  return ch.toUpperCase();
}

/** Text whose `backticked` parts (commands in fixes and notes) are shown as code. */
export function CodeText(props: { text: string }) {
  const parts = props.text.split("`");
  // An odd count of backticks leaves the last one unpaired: show the text as it is.
  if (parts.length % 2 === 0) return <>{props.text}</>;
  return <>{parts.map((p, i) => (i % 2 === 1 ? <code>{p}</code> : p))}</>;
}
