/** The Schedules page: jobs with their last firing, held firings, operator events, add and cancel forms. */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { GatewayStatus } from "../gateway/gateway-types.js";
import type { HomeEvent } from "../gateway/home.js";
import { closeFixture, type Fixture, makeFixture, NOW, seed, withCookie } from "./testing.js";

let f: Fixture;
const events: HomeEvent[] = [];
beforeEach(() => {
  events.length = 0;
  const status: GatewayStatus = { running: true, maxTurns: 1, runningTurns: 0, accounts: [] };
  f = makeFixture({ status: async () => status, homeEvents: () => events });
  seed(f);
});
afterEach(() => closeFixture(f));

const form = (body: Record<string, string>) => ({
  method: "POST",
  headers: { ...withCookie(f), "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(body).toString(),
});

it("adds a job from the form, lists it with its next run, and cancels it", async () => {
  const added = await f.app.request(
    "/schedules",
    form({ to: "alice@im.wechat", kind: "in", when: "2h", text: "tea" }),
  );
  expect(added.status).toBe(303);
  const [job] = f.store.schedules.list({});
  expect(job).toMatchObject({
    userId: "alice@im.wechat",
    action: "text",
    body: "tea",
    nextRunAtMs: NOW + 7_200_000,
  });
  const page = await (await f.app.request("/schedules", { headers: withCookie(f) })).text();
  expect(page).toContain(`data-job="${job?.id}"`);
  expect(page).toContain("tea");
  const cancelled = await f.app.request("/schedules/cancel", form({ id: String(job?.id) }));
  expect(cancelled.status).toBe(303);
  expect(f.store.schedules.get(job?.id ?? 0)?.state).toBe("cancelled");
});

it("refuses a bad job with the reason, and shows held firings and operator events", async () => {
  const bad = await f.app.request(
    "/schedules",
    form({ to: "alice@im.wechat", kind: "cron", when: "0 8 * *", text: "x" }),
  );
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain("five fields");
  const job = f.store.schedules.create(
    {
      accountId: "bot-1@im.bot",
      userId: "alice@im.wechat",
      kind: "once",
      atMs: NOW,
      tz: "UTC",
      action: "text",
      body: "late",
      createdBy: "operator",
      nextRunAtMs: NOW,
    },
    NOW,
  );
  f.store.schedules.claim(
    job.id,
    NOW,
    undefined,
    { state: "held", reason: "the contact's 24 h window is closed" },
    NOW,
  );
  events.push({
    kind: "account-expired",
    accountId: "bot-2@im.bot",
    subject: "bot-2@im.bot",
    text: "account bot-2@im.bot expired: run `wxagent login`",
    atMs: NOW,
    sentToOwner: false,
  });
  const page = await (await f.app.request("/schedules", { headers: withCookie(f) })).text();
  expect(page).toMatch(/data-held="\d+"/);
  expect(page).toContain("24 h window is closed");
  expect(page).toContain('data-event="account-expired"');
});
