/**
 * Crash suite: the real `wxagent start` (a child process, echo agent, spacing 0) against a
 * simulator on loopback. A burst of 1,000 messages across 50 contacts; `kill -9` at a seeded
 * random moment of it (when the simulator has received a seeded random number of replies);
 * restart; every message must be answered exactly once and in order per contact.
 *
 * CI runs 2 seeds; `CRASH_SEEDS=20 npx vitest run test/reliability/crash.test.ts` runs more.
 * Also here, because they need the real process: a second gateway on the same token refuses to
 * start, and an injected -14 shows in `wxagent status` with the fix while the gateway stays up.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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
  wxagent,
} from "./cli.js";
import { answerAll, burst, deliveryProblems, inject, outbound, prng, repliesByContact } from "./harness.js";

const CONTACTS = 50;
const PER_CONTACT = 20;
const TOTAL = CONTACTS * PER_CONTACT;
const SEEDS = Number(process.env.CRASH_SEEDS ?? 2);
const START_ARGS = [...ECHO_START_ARGS, "--max-turns", "16"];

interface Setup {
  sim: RunningSimulator;
  bot: TestBot;
  home: CliHome;
}

// The same crash on the PostgreSQL store: the restarted gateway is a new node, which takes the
// account over once the killed one's lease lapses (3 s here), and replays what it left.
const { stores: STORES, drop } = await storesUnderTest("crash");
afterAll(drop);

async function setup(seed: number, db?: PgTestDb): Promise<Setup> {
  const sim = await startSimulator({ port: 0, realism: false, seed, longPollTimeoutMs: 5_000 });
  const bot = await newBot(sim.simulator);
  const home = await storeHome(db);
  const added = await addSimAccount(home, sim.url, bot);
  expect(added.code, added.stderr).toBe(0);
  return { sim, bot, home };
}

async function teardown(s: Setup | undefined, ...daemons: (Daemon | undefined)[]): Promise<void> {
  for (const d of daemons) if (d) await kill9(d);
  await s?.sim.close();
  s?.home.remove();
}

describe.each(STORES)(
  `crash on $name: kill -9 during a ${TOTAL}-message burst, restart (${SEEDS} seeds)`,
  ({ db }) => {
    let s: Setup | undefined;
    let first: Daemon | undefined;
    let second: Daemon | undefined;
    afterEach(async () => {
      await teardown(s, first, second);
      s = first = second = undefined;
    });

    for (let seed = 1; seed <= SEEDS; seed++) {
      it(`seed ${seed}: nothing lost, doubled or reordered`, async () => {
        const random = prng(seed);
        s = await setup(seed, db);
        const { sim, bot, home } = s;
        let replies = 0;
        sim.simulator.state.listeners.add((e) => {
          if (e.type === "message.outbound") replies++;
        });
        first = await startDaemon(home, START_ARGS);
        expect(first.proc.exitCode, first.stderr()).toBeNull();

        // The crash point: after 0 … 499 replies reached the simulator (before the users write
        // again, 10 replies per contact fit the context-token quota: 500 in all).
        const killAfter = Math.floor(random() * (TOTAL / 2));
        await Promise.all(
          burst(CONTACTS, PER_CONTACT).map((m) => inject(sim.simulator, bot.account_id, m.from, m.text)),
        );
        const deadline = Date.now() + 20_000;
        while (replies < killAfter && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
        const repliesAtKill = replies;
        await kill9(first);

        second = await startDaemon(home, START_ARGS);
        expect(second.proc.exitCode, second.stderr()).toBeNull();
        // 20 messages at once share one context token: the replies past its quota wait in the
        // outbox for the user's next message, so the users nudge when replies stop arriving.
        const answered = await answerAll(sim.simulator, bot.account_id, CONTACTS, PER_CONTACT, {
          timeoutMs: 45_000,
        }).then(
          () => "",
          (err: Error) => err.message,
        );
        expect(answered, `killed after ${repliesAtKill} replies (seed ${seed})`).toBe("");
        // A little longer, so a reply sent twice after the restart would be seen.
        await new Promise((r) => setTimeout(r, 1_000));
        const by = repliesByContact(await outbound(sim.simulator, bot.account_id), CONTACTS);
        expect(
          deliveryProblems(by, PER_CONTACT),
          `killed after ${repliesAtKill} replies (seed ${seed})`,
        ).toEqual([]);
        expect(await stopDaemon(second)).toBe(0);
      }, 120_000);
    }
  },
);

describe("one gateway per token, and -14 while running", () => {
  let s: Setup | undefined;
  let daemon: Daemon | undefined;
  beforeAll(async () => {
    s = await setup(99);
    daemon = await startDaemon(s.home, START_ARGS);
  }, 60_000);
  afterAll(async () => {
    await teardown(s, daemon);
  });

  it("a second gateway on the same token refuses to start, naming the pid that holds it", async () => {
    const d = daemon as Daemon;
    expect(d.proc.exitCode, d.stderr()).toBeNull();
    const again = await wxagent((s as Setup).home, ["start", ...START_ARGS]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`pid ${d.proc.pid}`);
    expect(again.stderr).not.toContain((s as Setup).bot.token);
    expect(d.proc.exitCode).toBeNull();
  }, 60_000);

  // The process must outlive its only account's poller: something (today the admin server)
  // has to keep the event loop alive so the account watcher can resume polling after login.
  it("an injected -14 shows in `wxagent status` with the fix, and the gateway stays up", async () => {
    const { sim, bot, home } = s as Setup;
    const d = daemon as Daemon;
    const res = await control(sim.simulator, "POST", "/faults", { expire_token: bot.account_id });
    expect(res.status).toBe(200);
    let health: {
      account: string;
      state: string;
      fix: string | null;
      polling: string;
      poller: { pid: number } | null;
    }[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const st = await wxagent(home, ["status", "--json"]);
      expect(st.code, st.stderr).toBe(0);
      health = (JSON.parse(st.stdout) as { accounts: typeof health }).accounts;
      if (health[0]?.state === "expired") break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(health[0]).toMatchObject({ account: bot.account_id, state: "expired" });
    expect(health[0]?.fix).toContain("wxagent login");
    expect(JSON.stringify(health)).not.toContain(bot.token);
    // Still running, still holding its lock, and it said so on stderr.
    expect(d.proc.exitCode, d.stderr()).toBeNull();
    expect(health[0]).toMatchObject({ polling: "paused", poller: { pid: d.proc.pid } });
    expect(d.stderr()).toContain("wxagent login");
    expect(await stopDaemon(d)).toBe(0);
  }, 60_000);
});
