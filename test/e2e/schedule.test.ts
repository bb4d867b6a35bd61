/**
 * Scheduled messages end to end (the rig is in sched-rig.ts): a job made by the agent's `schedule`
 * tool fires and arrives; one that falls outside the 24 h window waits in the outbox and arrives
 * after the contact writes.
 */
import { afterEach, expect, it } from "vitest";
import type { FakeStep } from "../../src/agent/builtin/testing/fake-openai.js";
import { asyncStore } from "../../src/store/async.js";
import { type SchedRig, startSchedRig } from "./sched-rig.js";

const H = 3_600_000;

let rig: SchedRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const create = (args: Record<string, string>): FakeStep => ({
  toolCalls: [{ name: "schedule", args: { action: "create", tz: "Asia/Shanghai", ...args } }],
});

it("a reminder made by the agent's schedule tool fires at its time and arrives", async () => {
  rig = await startSchedRig([
    create({ in: "2h", text: "drink some water" }),
    { text: "OK, I will remind you at 10:00." },
  ]);
  const r = rig;
  await r.say("remind me to drink water in 2 hours");
  await r.until("the agent's answer", (s) => s.includes("OK, I will remind you at 10:00."));
  const toolResult = JSON.stringify(r.ai.requests.at(-1)?.body);
  expect(toolResult).toContain("Scheduled job #1 (once); first firing 10:00");
  expect(r.store.schedules.list({})).toMatchObject([
    { userId: r.owner, createdBy: "contact", state: "active" },
  ]);
  await r.clock.advance(2 * H - 60_000);
  expect(await r.seen()).not.toContain("⏰ drink some water");
  await r.clock.advance(120_000);
  const seen = await r.until("the reminder", (s) => s.includes("⏰ drink some water"));
  expect(seen).toEqual(["OK, I will remind you at 10:00.", "⏰ drink some water"]);
  expect(r.store.schedules.runs({}).map((x) => x.state)).toEqual(["sent"]);
});

it("a reminder due after the 24 h window closes waits in the outbox and arrives after the contact writes", async () => {
  rig = await startSchedRig([
    create({ at: "2026-05-02 12:00", text: "submit the report" }),
    { text: "Noted." },
  ]);
  const r = rig;
  await r.say("remind me tomorrow at noon to submit the report");
  await r.until("the agent's answer", (s) => s.includes("Noted."));
  expect(JSON.stringify(r.ai.requests.at(-1)?.body)).toContain("write to you at least once a day");
  // 22 h after the message: the warning, while the window is still open.
  await r.clock.advance(22 * H + 60_000);
  await r.until("the window warning", (s) => s.some((t) => t.includes("once a day")));
  // 28 h after: the firing is due, the window closed 4 h ago; nothing is tried, it is held.
  await r.clock.advance(6 * H);
  await r.gateway.pokeSchedule();
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect((await r.seen()).some((t) => t.includes("submit the report"))).toBe(false);
  expect(r.store.schedules.runs({})[0]).toMatchObject({ state: "held" });
  await r.clock.advance(2 * H);
  await r.say("good morning");
  const seen = await r.until("the held reminder", (s) => s.some((t) => t.includes("submit the report")));
  expect(seen.slice(0, 3)).toEqual([
    "Noted.",
    "⏰ Your scheduled message needs you to write to me once a day (WeChat lets a bot write only within 24 h of your last message). The next one is 12:00. Reply anything to keep it coming.",
    "⏰ (due 12:00; held until you wrote again)\nsubmit the report",
  ]);
});

it("a scheduled prompt runs as an agent turn in the contact's session and its answer arrives", async () => {
  rig = await startSchedRig([{ text: "Hi." }, { text: "Your inbox folder has 2 new files." }]);
  const r = rig;
  await r.say("hello");
  await r.until("the greeting", (s) => s.includes("Hi."));
  const { createJob } = await import("../../src/gateway/schedule/api.js");
  await createJob(
    asyncStore(r.store),
    {
      accountId: r.accountId,
      userId: r.owner,
      cron: "0 9 * * *",
      tz: "Asia/Shanghai",
      prompt: "summarise my inbox folder",
      createdBy: "operator",
    },
    { nowMs: r.clock.now() },
  );
  await r.clock.advance(H + 60_000); // 09:01 in Shanghai
  const seen = await r.until("the answer", (s) => s.some((t) => t.includes("2 new files")));
  expect(seen).toEqual(["Hi.", "⏰ Your inbox folder has 2 new files."]);
  // The model was told what the turn is, with the prompt, in the contact's own session.
  const last = JSON.stringify(r.ai.requests.at(-1)?.body);
  expect(last).toContain("[Scheduled job #1");
  expect(last).toContain("summarise my inbox folder");
  expect(last).toContain("hello");
  expect(r.store.schedules.runs({}).map((x) => x.state)).toEqual(["sent"]);
});
