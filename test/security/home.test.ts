/**
 * Credential files and CLI output, through the real command line: after `accounts add`, a run of
 * `wxagent start` (lock file, admin token, database and WAL) and a clean stop, every file under
 * `$WXAGENT_HOME` is private to the user (no group or other bits; directories 0700), the bot token
 * is found only inside the database files, and no command printed it.
 * (Per-file modes are unit-tested in src/store/sqlite.test.ts, src/store/lock.test.ts and
 * src/ops/token.test.ts; this sweeps the whole home as a user's machine would have it.)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { newBot } from "../../src/simulator/testkit.js";
import {
  addSimAccount,
  type CliHome,
  startDaemon,
  stopDaemon,
  tempHome,
  wxagent,
} from "../reliability/cli.js";

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

let sim: RunningSimulator | undefined;
let home: CliHome | undefined;
afterAll(async () => {
  await sim?.close();
  home?.remove();
});

describe("$WXAGENT_HOME and CLI output", () => {
  it("keeps every file private and the token out of every output", async () => {
    sim = await startSimulator({ port: 0, realism: false, seed: 3, longPollTimeoutMs: 2_000 });
    const bot = await newBot(sim.simulator);
    home = tempHome();
    const outputs: string[] = [];
    const add = await addSimAccount(home, sim.url, bot);
    expect(add.code, add.stderr).toBe(0);
    outputs.push(add.stdout, add.stderr);
    const daemon = await startDaemon(home, ["--agent", "echo", "--no-sim"]);
    expect(daemon.proc.exitCode, daemon.stderr()).toBeNull();
    for (const args of [["status"], ["status", "--json"], ["accounts"], ["accounts", "--json"], ["doctor"]]) {
      const r = await wxagent(home, args);
      outputs.push(r.stdout, r.stderr);
    }
    expect(await stopDaemon(daemon)).toBe(0);
    outputs.push(daemon.stdout(), daemon.stderr());

    for (const [i, text] of outputs.entries()) expect(text.includes(bot.token), `output ${i}`).toBe(false);

    const files = walk(home.home);
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      const st = statSync(f);
      const name = relative(home.home, f);
      if (st.isDirectory()) {
        expect([name, st.mode & 0o777]).toEqual([name, 0o700]);
        continue;
      }
      // config.json is the test's own, written with the default umask.
      if (name === "config.json") continue;
      expect([name, st.mode & 0o077]).toEqual([name, 0]);
      if (!/^wxagent\.db(-wal|-shm)?$/.test(name)) {
        expect(readFileSync(f).includes(bot.token), `${name} holds the token`).toBe(false);
      }
    }
  }, 90_000);
});
