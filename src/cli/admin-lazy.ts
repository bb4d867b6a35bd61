/**
 * The admin UI of `wxagent start`, built on its first request. Its port is bound at start (the
 * banner prints the URL), but the Hono app, its pages, the REST API and the operations context
 * (QR logins, sends, schedules; zod schemas, qrcode) load only when someone opens the page or
 * calls the API: a gateway nobody administers, the usual daemon, never holds them (about 15 MB
 * of an idle echo gateway, bench/cli-rss.ts).
 */
import type { AdminAppOptions } from "../admin/app.js";
import type { FetchApp } from "../admin/server.js";
import type { OpsContext, OpsContextOptions } from "../ops/context.js";
import { createLogger } from "../util/logger.js";

export interface LazyAdmin extends FetchApp {
  /** Closes the operations context if it was built (sends and logins in flight stop). */
  close(): void;
}

export interface LazyAdminOptions {
  ops: OpsContextOptions;
  /** A QR login in the admin UI saved an account. */
  onAccountSaved: (accountId: string) => void;
  app: Omit<AdminAppOptions, "ops">;
}

const log = createLogger("admin");

export function lazyAdmin(options: LazyAdminOptions): LazyAdmin {
  let built: Promise<{ ops: OpsContext; app: FetchApp }> | undefined;
  let closed = false;
  const build = async () => {
    const [{ createOpsContext }, { createAdminApp }] = await Promise.all([
      import("../ops/context.js"),
      import("../admin/app.js"),
    ]);
    const ops = createOpsContext(options.ops);
    ops.onAccountSaved(options.onAccountSaved);
    if (closed) ops.close();
    return { ops, app: createAdminApp({ ...options.app, ops }) };
  };
  return {
    async fetch(request) {
      built ??= build().catch((err: unknown) => {
        built = undefined; // the next request tries again
        log.error({ err }, "the admin UI failed to load");
        throw err;
      });
      return (await built).app.fetch(request);
    },
    close() {
      closed = true;
      void built?.then(({ ops }) => ops.close()).catch(() => undefined);
    },
  };
}
