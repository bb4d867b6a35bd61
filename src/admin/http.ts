/** Small request helpers shared by the admin routes. */
import type { Context } from "hono";
import type { Config } from "../config/schema.js";
import type { OpsContext } from "../ops/context.js";
import type { AdminGateway } from "./data.js";
import { dict, pickLocale } from "./i18n.js";
import type { PageEnv } from "./layout.js";

/** What every route module is given. */
export interface RouteDeps {
  ops: OpsContext;
  config: Partial<Config>;
  gateway?: AdminGateway | undefined;
  simulatorUrl?: string | undefined;
}

/** The locale (from Accept-Language) and its dictionary. */
export function envOf(c: Context): PageEnv {
  const locale = pickLocale(c.req.header("accept-language"));
  return { locale, t: dict(locale) };
}

/** The request comes from htmx (it wants a fragment, not a redirect). */
export function isHtmx(c: Context): boolean {
  return c.req.header("hx-request") === "true";
}
