/** The Schedules page and its forms (add, cancel): the schedule operations, as the CLI and REST run them. */
import type { Context, Hono } from "hono";
import type { JobView, RunView } from "../../gateway/schedule/api.js";
import { isOpsError } from "../../ops/errors.js";
import { scheduleAdd, scheduleCancel, scheduleList } from "../../ops/schedule.js";
import { envOf, type RouteDeps } from "../http.js";
import { type Flash, SchedulesPage } from "../pages/schedules.js";

export function scheduleRoutes(app: Hono, deps: RouteDeps): void {
  const { ops } = deps;
  const page = async (c: Context, flash?: Flash) => {
    const out = (await scheduleList.invoke(ops, { state: "all", limit: 200 }, c.req.raw.signal)).data as {
      jobs: JobView[];
      held: RunView[];
    };
    const events = deps.gateway?.homeEvents?.() ?? [];
    const status = flash?.kind === "bad" ? 400 : 200;
    return c.html(<SchedulesPage env={envOf(c)} data={{ ...out, events }} flash={flash} />, status);
  };
  const act = async (c: Context, run: () => Promise<unknown>, done: string) => {
    try {
      await run();
      return c.redirect(`/schedules?done=${encodeURIComponent(done)}`, 303);
    } catch (err) {
      if (!isOpsError(err)) throw err;
      return page(c, { kind: "bad", text: err.message });
    }
  };
  app.get("/schedules", (c) => {
    const done = c.req.query("done");
    return page(c, done ? { kind: "ok", text: done } : undefined);
  });
  app.post("/schedules", async (c) => {
    const form = await c.req.parseBody();
    const { t } = envOf(c);
    const kind = form.kind === "at" || form.kind === "cron" ? form.kind : "in";
    const input = {
      to: String(form.to ?? ""),
      [kind]: String(form.when ?? ""),
      ...(typeof form.tz === "string" && form.tz.trim() ? { tz: form.tz.trim() } : {}),
      text: String(form.text ?? ""),
    };
    return act(c, () => scheduleAdd.invoke(ops, input, c.req.raw.signal), t.schedAdded);
  });
  app.post("/schedules/cancel", async (c) => {
    const form = await c.req.parseBody();
    const { t } = envOf(c);
    return act(
      c,
      () => scheduleCancel.invoke(ops, { id: String(form.id ?? "") }, c.req.raw.signal),
      t.schedCancelled,
    );
  });
}
