/** Issue 16 item 8: every failure a newcomer can provoke gets one clear sentence and the right exit code. */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureHome, openStore } from "../../src/store/index.js";
import { runCli } from "./run-cli.js";

let root: string;
let home: string;
const env = () => ({ WXAGENT_HOME: home });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "wxagent-errors-"));
  home = join(root, "home");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("clear errors", () => {
  it("a port out of range is a usage error naming the range", async () => {
    const r = await runCli(["sim", "--port", "99999"], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port must be an integer from 0 to 65535 (got "99999")');
    const s = await runCli(["start", "--admin-port", "70000"], env());
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("--admin-port must be an integer from 0 to 65535");
  });

  it("a port in use says so and how to choose another", async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await runCli(["sim", "--port", String(port)], env());
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `wxagent: port ${port} is in use (another wxagent, perhaps): choose another with --port <port>, or --port 0 for any free port\n`,
      );
    } finally {
      taken.close();
    }
  });

  it("a WXAGENT_HOME that is a file is named as such, for commands that read and that create", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "not a directory");
    for (const args of [
      ["status"],
      ["accounts", "add", "--base-url", "http://127.0.0.1:9", "--token", "t", "--account-id", "x"],
    ]) {
      const r = await runCli(args, { WXAGENT_HOME: file });
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`${file} cannot hold wxagent's data: ${file} is a file, not a directory`);
      expect(r.stderr).not.toContain("EEXIST");
    }
    const below = await runCli(["login", "--base-url", "http://127.0.0.1:9"], {
      WXAGENT_HOME: join(file, "sub"),
    });
    expect(below.stderr).toContain(`${file} is a file, not a directory`);
    const doctor = await runCli(["doctor"], { WXAGENT_HOME: file });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`✗ home: ${file} cannot hold wxagent's data`);
  });

  it("a base URL that is not a URL is a usage error with an example", async () => {
    const r = await runCli(["login", "--base-url", "not-a-url"], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--base-url must be an http(s) URL such as https://ilinkai.weixin.qq.com or http://127.0.0.1:8790 (got "not-a-url")',
    );
    const add = await runCli(
      ["accounts", "add", "--base-url", "ftp://x", "--token", "t", "--account-id", "a"],
      env(),
    );
    expect(add.code).toBe(2);
    expect(add.stderr).toContain("--base-url must be an http(s) URL");
  });

  it("a mistyped WXAGENT_HOME is an error for the reading commands, and is not created", async () => {
    const typo = join(root, "wxagnet");
    for (const args of [["status"], ["accounts"], ["history"], ["pairing", "list"], ["contacts"]]) {
      const r = await runCli(args, { WXAGENT_HOME: typo });
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`WXAGENT_HOME is ${typo}, which does not exist: check the path`);
    }
    const doctor = await runCli(["doctor"], { WXAGENT_HOME: typo });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(`✗ home: WXAGENT_HOME is ${typo}, which does not exist`);
    expect(existsSync(typo)).toBe(false);
  });

  it("send to an unknown contact names the CLI's command, not an MCP tool", async () => {
    const store = openStore(ensureHome(home).dbPath);
    store.accounts.upsert({
      id: "bot@im.bot",
      baseUrl: "http://127.0.0.1:9",
      cdnBaseUrl: "http://127.0.0.1:9/c2c",
      token: "tok-errors",
      state: "active",
    });
    store.accounts.upsert({
      id: "bot2@im.bot",
      baseUrl: "http://127.0.0.1:9",
      cdnBaseUrl: "http://127.0.0.1:9/c2c",
      token: "tok-errors-2",
      state: "active",
    });
    for (const id of ["bot@im.bot", "bot2@im.bot"]) store.contacts.see(id, "both@im.wechat", Date.now());
    await store.close();
    const r = await runCli(
      ["send", "--account", "bot@im.bot", "--to", "stranger@im.wechat", "--text", "hi"],
      env(),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("(`wxagent contacts` shows who has) [UNKNOWN_CONTACT]");
    expect(r.stderr).not.toMatch(/list_contacts|login_start|MCP/);
    const ambiguous = await runCli(["send", "--to", "both@im.wechat", "--text", "hi"], env());
    expect(ambiguous.stderr).toContain("pass `--account` to choose one [AMBIGUOUS_ACCOUNT]");
  });

  it("help shows what an option's default means", async () => {
    const sim = await runCli(["sim", "--help"], env());
    expect(sim.stdout).toMatch(/--realism <on\|off>[\s\S]*\(default: on\)/);
    expect(sim.stdout).not.toContain("(default: true)");
    const start = await runCli(["start", "--help"], env());
    expect(start.stdout).toMatch(/--admin-port <port>\s+port of the admin UI and REST API/);
  });

  it("every command opens the PostgreSQL store it is given, and says plainly when the server cannot be reached", async () => {
    const pg = { ...env(), WXAGENT_STORE: "postgres://wx:hunter2@127.0.0.1:9/wx" };
    for (const args of [["start", "--no-sim"], ["history"], ["accounts", "remove", "x"], ["status"]]) {
      const r = await runCli(args, pg);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toContain(
        "opening postgres://wx:***@127.0.0.1:9/wx: the PostgreSQL server cannot be reached",
      );
      expect(r.stderr).not.toContain("hunter2");
    }
  });
});
