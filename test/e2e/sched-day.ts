/**
 * A day and a bit of a scheduled job as the contact sees it, printed as Markdown from the
 * simulator's record (GET /sim/messages): the built-in agent on the scripted fake model, the
 * simulator with realism on, everything on one fake clock. Run: `npx tsx test/e2e/sched-day.ts`.
 *
 * 08:00  the owner asks for a daily 09:00 reminder (the agent's schedule tool makes it)
 * 09:00  it fires
 * 06:00  (22 h after their last message) the window warning
 * 09:00  it fires again after the window closed at 08:00: held in the outbox
 * 11:30  they write; the held reminder arrives, marked with its time, then the agent's answer
 */
import { control } from "../../src/simulator/testkit.js";
import { startSchedRig } from "./sched-rig.js";

const H = 3_600_000;
const TZ = "Asia/Shanghai";

const rig = await startSchedRig([
  {
    toolCalls: [
      { name: "schedule", args: { action: "create", cron: "0 9 * * *", tz: TZ, text: "time to stretch 🧘" } },
    ],
  },
  { text: "Done: every day at 09:00 I will remind you to stretch." },
  { text: "Good morning! Glad you're back." },
]);
const settle = () => new Promise((r) => setTimeout(r, 300));
try {
  await rig.say("every day at 9 remind me to stretch");
  await rig.until("the answer", (s) => s.some((t) => t.startsWith("Done")));
  await rig.clock.advance(H + 60_000); // 09:01
  await rig.until("the first firing", (s) => s.includes("⏰ time to stretch 🧘"));
  await rig.clock.advance(21 * H); // 06:01 next day: 22 h after the last message
  await rig.until("the warning", (s) => s.some((t) => t.includes("once a day")));
  await rig.clock.advance(3 * H); // 09:01: the window closed at 08:00
  rig.gateway.pokeSchedule();
  await settle();
  await rig.clock.advance(2.5 * H); // 11:31
  await rig.say("morning!");
  await rig.until("the held reminder and the answer", (s) => s.some((t) => t.startsWith("Good morning")));
  await settle();
  await rig.clock.advance(11 * 60_000); // the scheduler's next look settles the held run from its bubbles

  const q = `/messages?account_id=${encodeURIComponent(rig.accountId)}&user_id=${encodeURIComponent(rig.owner)}`;
  const messages = (await control(rig.sim, "GET", q)).body.messages as {
    direction: string;
    create_time_ms: number;
    items: { text?: string }[];
  }[];
  const fmt = new Intl.DateTimeFormat("en-GB", {
    timeZone: TZ,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const runs = rig.store.schedules.runs({}).reverse();
  const lines = [
    "# A day of a scheduled job, as the contact sees it",
    "",
    "From the simulator's record (`GET /sim/messages`, both directions, in order), produced by",
    "`npx tsx test/e2e/sched-day.ts`: the built-in agent on the scripted fake model, the simulator with",
    "realism on (a context token goes stale after 24 h), gateway, simulator and store on one fake clock.",
    `Times are ${TZ}. The contact is the account's owner; the job is made by the agent's \`schedule\` tool.`,
    "",
    "| time | who | message |",
    "| --- | --- | --- |",
    ...messages.map((m) => {
      const who = m.direction === "inbound" ? "contact" : "bot";
      const text = m.items
        .map((i) => i.text ?? "[media]")
        .join(" ")
        .replace(/\n/g, "<br>")
        .replace(/\|/g, "\\|");
      return `| ${fmt.format(m.create_time_ms)} | ${who} | ${text} |`;
    }),
    "",
    "The job's firings as the store records them (`wxagent schedule list --json`):",
    "",
    "| due | state | why it waited (kept after delivery) |",
    "| --- | --- | --- |",
    ...runs.map((r) => `| ${fmt.format(r.scheduledAtMs)} | ${r.state} | ${r.reason ?? ""} |`),
    "",
    "What happened: the reminder fired at 09:00 on day one; 22 h after the contact's last message the",
    "bot warned them, once, while it still could; at 09:00 on day two the window had closed (08:00), so",
    "nothing was tried and the firing went straight into the outbox as `held`; when the contact wrote at",
    "11:31 it arrived first, marked with the time it was due, then the agent's answer to their message,",
    "and the run reads `sent` from then on (until then `wxagent status` and the Schedules page showed it held).",
    "",
  ];
  process.stdout.write(lines.join("\n"));
} finally {
  await rig.close();
}
