/** `wxagent schedule` from the command line: usage errors exit 2 with the fix, a good job is listed and cancelled. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { runCli } from "./run-cli.js";

let home: string;
const env = () => ({ WXAGENT_HOME: home });

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "wxagent-sched-cli-"));
  const store = openStore(join(home, "wxagent.db"));
  store.accounts.upsert({
    id: "bot@im.bot",
    baseUrl: "http://127.0.0.1:9",
    cdnBaseUrl: "http://127.0.0.1:9/c2c",
    token: "t",
    state: "active",
  });
  store.contacts.see("bot@im.bot", "alice@im.wechat", Date.now());
  await store.close();
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

it("refuses a malformed job with exit 2 and says how to write it", async () => {
  const both = await runCli(
    ["schedule", "add", "--to", "alice@im.wechat", "--in", "1h", "--at", "09:00", "--text", "x"],
    env(),
  );
  expect(both.code).toBe(2);
  expect(both.stderr).toContain("exactly one of --at, --in or --cron");
  const cron = await runCli(
    ["schedule", "add", "--to", "alice@im.wechat", "--cron", "0 8 * *", "--text", "x"],
    env(),
  );
  expect(cron.code).toBe(2);
  expect(cron.stderr).toContain("five fields");
  const zone = await runCli(
    ["schedule", "add", "--to", "alice@im.wechat", "--cron", "0 8 * * *", "--tz", "Mars/Base", "--text", "x"],
    env(),
  );
  expect(zone.stderr).toContain("IANA name");
});

it("adds a job (warning that the contact's window will hold it), lists it and cancels it", async () => {
  const add = await runCli(
    [
      "schedule",
      "add",
      "--to",
      "alice@im.wechat",
      "--cron",
      "0 8 * * 1-5",
      "--tz",
      "Asia/Shanghai",
      "--text",
      "standup",
    ],
    env(),
  );
  expect(add.code, add.stderr).toBe(0);
  expect(add.stdout).toMatch(/^scheduled job #1: first run /);
  expect(add.stderr).toContain("has not written to this bot");
  const list = await runCli(["schedule", "list", "--json"], env());
  const jobs = (
    JSON.parse(list.stdout) as { jobs: { id: number; cron: string; tz: string; state: string }[] }
  ).jobs;
  expect(jobs).toMatchObject([{ id: 1, cron: "0 8 * * 1-5", tz: "Asia/Shanghai", state: "active" }]);
  expect((await runCli(["schedule", "cancel", "1"], env())).code).toBe(0);
  const again = await runCli(["schedule", "cancel", "1"], env());
  expect(again.code).toBe(2);
  expect(again.stderr).toContain("is cancelled, not active");
});
