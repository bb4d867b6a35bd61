/**
 * Scheduled firings and `kill -9`, with the real `wxagent start` (child process, echo agent)
 * against a simulator on loopback, jobs added with the real `wxagent schedule add`:
 *   - killed at the firing moment (its sendmessage is in flight, held by an injected latency):
 *     after the restart the contact has the message exactly once;
 *   - killed before the firing and restarted after it (less than the grace late): it fires
 *     once at start.
 * On SQLite and on PostgreSQL (where the restarted process is a new node that takes the account
 * over when the killed one's lease lapses, 3 s here).
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { control, newBot, type TestBot } from "../../src/simulator/testkit.js";
import { type PgTestDb, storesUnderTest } from "../../src/store/postgres-server.test-util.js";
import {
  addSimAccount,
  type CliHome,
  type Daemon,
  ECHO_START_ARGS,
  kill9,
  startDaemon,
  stopDaemon,
  storeHome,
  until,
  wxagent,
} from "./cli.js";
import { inject, outbound } from "./harness.js";

const ALICE = "alice-sched@im.wechat";

interface Setup {
  sim: RunningSimulator;
  bot: TestBot;
  home: CliHome;
}
let s: Setup | undefined;
const daemons: Daemon[] = [];

afterEach(async () => {
  for (const d of daemons.splice(0)) await kill9(d);
  await s?.sim.close();
  s?.home.remove();
  s = undefined;
});

const { stores, drop } = await storesUnderTest("schedule_crash");
afterAll(drop);

async function setup(db: PgTestDb | undefined): Promise<Setup> {
  const sim = await startSimulator({ port: 0, realism: false, longPollTimeoutMs: 2_000 });
  const bot = await newBot(sim.simulator);
  const home = await storeHome(db);
  expect((await addSimAccount(home, sim.url, bot)).code).toBe(0);
  return { sim, bot, home };
}

async function start(setup: Setup): Promise<Daemon> {
  const d = await startDaemon(setup.home, ECHO_START_ARGS);
  daemons.push(d);
  expect(d.proc.exitCode, d.stderr()).toBeNull();
  return d;
}

/** The texts Alice saw from the bot. */
async function seen(setup: Setup): Promise<string[]> {
  return (await outbound(setup.sim.simulator, setup.bot.account_id))
    .filter((m) => m.to === ALICE)
    .map((m) => m.items[0]?.text ?? "");
}

/** Alice writes once (the echo answers): the bot may write to her for 24 h. */
async function aliceWrites(setup: Setup): Promise<void> {
  await inject(setup.sim.simulator, setup.bot.account_id, ALICE, "hello");
  await until("the echo", async () => (await seen(setup)).length > 0);
}

async function schedule(setup: Setup, args: string[]): Promise<number> {
  const r = await wxagent(setup.home, ["schedule", "add", "--to", ALICE, "--json", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { job: { id: number } }).job.id;
}

describe.each(stores)("scheduled firings and kill -9 on $name", ({ db }) => {
  it("kill -9 while the firing's send is in flight: after the restart it arrived exactly once", async () => {
    s = await setup(db);
    const setupNow = s;
    const first = await start(setupNow);
    await aliceWrites(setupNow);
    // The next sendmessage (the firing) is held 1.5 s by the server: the process dies inside it.
    const fault = await control(setupNow.sim.simulator, "POST", "/faults", {
      endpoint: "sendmessage",
      latency_ms: 1_500,
      count: 1,
    });
    expect(fault.status).toBe(200);
    let inFlight = false;
    setupNow.sim.simulator.state.listeners.add((e) => {
      if (e.type === "fault.triggered" && !inFlight) {
        inFlight = true;
        first.proc.kill("SIGKILL");
      }
    });
    await schedule(setupNow, ["--in", "3s", "--text", "tea time"]);
    await until("the firing's send", async () => inFlight);
    await kill9(first);
    await start(setupNow);
    await until("the firing", async () => (await seen(setupNow)).includes("⏰ tea time"));
    // Long enough for a second copy to show if the restart sent it again unseen by the server.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await seen(setupNow)).filter((t) => t === "⏰ tea time")).toHaveLength(1);
    // The run is settled from its bubble at the scheduler's next look at the store (every 5 s).
    type Jobs = { jobs: { state: string; runs: number; last?: { state: string } }[] };
    let jobs: Jobs["jobs"] = [];
    await until("the run to settle", async () => {
      const list = await wxagent(setupNow.home, ["schedule", "list", "--all", "--json"]);
      jobs = (JSON.parse(list.stdout) as Jobs).jobs;
      return jobs[0]?.last?.state !== "running";
    });
    expect(jobs).toMatchObject([{ state: "done", runs: 1, last: { state: "sent" } }]);
  }, 90_000);

  it("kill -9 before the firing, restart after it: fires once at start", async () => {
    s = await setup(db);
    const setupNow = s;
    const first = await start(setupNow);
    await aliceWrites(setupNow);
    await schedule(setupNow, ["--in", "4s", "--text", "stretch"]);
    await kill9(first);
    await new Promise((r) => setTimeout(r, 5_000)); // the firing's time passes while nothing runs
    expect(await seen(setupNow)).not.toContain("⏰ stretch");
    const second = await start(setupNow);
    await until("the late firing", async () => (await seen(setupNow)).includes("⏰ stretch"));
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await seen(setupNow)).filter((t) => t === "⏰ stretch")).toHaveLength(1);
    const status = await wxagent(setupNow.home, ["status", "--json"]);
    expect(JSON.parse(status.stdout).accounts[0].schedules).toEqual({ active: 0, held: 0 });
    expect(await stopDaemon(second)).toBe(0);
  }, 90_000);
});
