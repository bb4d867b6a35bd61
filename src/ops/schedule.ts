/**
 * `schedule_list`, `schedule_add` and `schedule_cancel`: every job of every account, for
 * operators (CLI, REST, MCP, admin UI). Jobs live in the store; the gateway that polls the account
 * fires them (a job added here is seen by a running `wxagent start` within seconds). A firing the
 * contact's 24 h window could not take shows as `held` until they write again.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { cancelJob, createJob, jobView, runView } from "../gateway/schedule/api.js";
import { defineOp, queryInt } from "./define.js";
import { OpsError } from "./errors.js";
import { accountForSend, optionalAccount } from "./resolve.js";

export const scheduleList = defineOp({
  name: "schedule_list",
  title: "Scheduled jobs",
  description:
    "Scheduled and recurring messages of every account (newest first), each with its next run and what became of its last firing; `held` lists firings waiting in the outbox because the contact's 24 h window was closed (they go out when the contact writes).",
  input: z.object({
    account: z.string().min(1).optional().describe("Account id (default: all accounts)"),
    contact: z.string().min(1).optional().describe("Only jobs for this WeChat user id"),
    state: z.enum(["active", "done", "cancelled", "all"]).default("active").describe("Which jobs"),
    limit: queryInt(1, 500).default(100).describe("At most this many jobs"),
  }),
  readOnly: true,
  rest: { method: "GET", path: "/schedules" },
  async run(ctx, input) {
    const account = await optionalAccount(ctx.store, input.account);
    const store = ctx.store;
    const filter = {
      ...(account ? { accountId: account.id } : {}),
      ...(input.contact ? { userId: input.contact } : {}),
    };
    const jobs = await store.schedules.list({
      ...filter,
      ...(input.state === "all" ? {} : { state: input.state }),
      limit: input.limit,
    });
    const held = (await store.schedules.runs({ ...filter, state: "held", limit: 100 })).map(runView);
    const views = [];
    for (const j of jobs) views.push(await jobView(store, j));
    return { data: { jobs: views, held } };
  },
});

const when = {
  at: z.string().min(1).max(100).optional().describe("ISO time, or 'YYYY-MM-DD HH:MM' / 'HH:MM' in tz"),
  in: z.string().min(1).max(40).optional().describe("A duration from now: 90s, 45m, 2h, 1d"),
  cron: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Five-field cron, e.g. '0 8 * * 1-5' (weekdays 08:00)"),
  tz: z.string().min(1).max(64).optional().describe("IANA time zone (default: the machine's)"),
};

export const scheduleAdd = defineOp({
  name: "schedule_add",
  title: "Schedule a message",
  description:
    "Schedule a text, a file or an agent prompt for a contact: once (at or in) or recurring (cron in tz). A prompt runs as an agent turn in the contact's session and its answer is sent. WeChat lets a bot write only within about 24 h of the contact's last message; a firing after that waits in the outbox until they write (the answer says when that applies).",
  input: z.object({
    account: z.string().min(1).optional().describe("Account id (default: inferred from `to`)"),
    to: z.string().min(1).describe("WeChat user id of the contact (see list_contacts)"),
    ...when,
    text: z.string().min(1).max(4000).optional().describe("Send this text"),
    file: z.string().min(1).optional().describe("Send this local file"),
    caption: z.string().max(2000).optional().describe("Caption sent before the file"),
    prompt: z.string().min(1).max(4000).optional().describe("Run this as an agent turn and send the answer"),
  }),
  readOnly: false,
  rest: { method: "POST", path: "/schedules" },
  async run(ctx, input) {
    const account = await accountForSend(ctx.store, input.account, input.to);
    let file: string | undefined;
    if (input.file !== undefined) {
      file = isAbsolute(input.file) ? input.file : resolve(input.file);
      const s = await stat(file).catch(() => undefined);
      if (!s?.isFile())
        throw new OpsError("NOT_FOUND", `no file at ${file}; pass the path of an existing file`);
    }
    const store = ctx.store;
    const made = await createJob(
      store,
      {
        accountId: account.id,
        userId: input.to,
        ...(input.at !== undefined ? { at: input.at } : {}),
        ...(input.in !== undefined ? { in: input.in } : {}),
        ...(input.cron !== undefined ? { cron: input.cron } : {}),
        ...(input.tz !== undefined ? { tz: input.tz } : {}),
        ...(input.text !== undefined ? { text: input.text } : {}),
        ...(file !== undefined ? { file } : {}),
        ...(input.caption !== undefined ? { caption: input.caption } : {}),
        ...(input.prompt !== undefined ? { prompt: input.prompt } : {}),
        createdBy: "operator",
      },
      { nowMs: ctx.now(), quotaPerToken: ctx.quotaPerToken },
    );
    ctx.scheduleChanged?.();
    const data: Record<string, unknown> = { job: await jobView(store, made.job), first_run_local: made.when };
    if (made.windowNote) data.warning = made.windowNote;
    return { data };
  },
});

export const scheduleCancel = defineOp({
  name: "schedule_cancel",
  title: "Cancel a scheduled job",
  description:
    "Cancel a scheduled job by its id (see schedule_list). Firings already made are not taken back.",
  input: z.object({ id: z.coerce.number().int().min(1).describe("The job's id") }),
  readOnly: false,
  rest: { method: "POST", path: "/schedules/:id/cancel" },
  async run(ctx, input) {
    const store = ctx.store;
    const job = await store.schedules.get(input.id);
    if (!job) throw new OpsError("NOT_FOUND", `no scheduled job #${input.id}; see schedule_list`);
    if (!(await cancelJob(store, input.id, ctx.now())))
      throw new OpsError("BAD_INPUT", `job #${input.id} is ${job.state}, not active; nothing to cancel`);
    ctx.scheduleChanged?.();
    return { data: { cancelled: input.id } };
  },
});
