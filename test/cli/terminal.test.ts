/**
 * What the CLI prints for a person comes partly from outside: a contact writes the messages
 * `history` shows, the iLink server chooses the user ids and error texts `status` and `contacts`
 * show. A terminal acts on ESC sequences (clear the screen, set the window title, move the
 * cursor), CR (rewrite the line) and bidi overrides (reorder what is shown): the attack here is a
 * contact and a server that put them in, and every one must come out visible, never raw.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureHome, openStore } from "../../src/store/index.js";
import { runCli } from "./run-cli.js";

const T0_MS = Date.UTC(2026, 10, 21, 14, 0, 0);
/** Clear the screen, set the window title, return to the line's start, then a right-to-left override. */
const EVIL = "\u001b[2J\u001b]0;pwned\u0007\rok\u202etxt.exe";
const CONTACT = `mallory${EVIL}@im.wechat`;
/** What a terminal would act on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what must not get through
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let home: string;
const env = () => ({ WXAGENT_HOME: home });

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "wxagent-terminal-"));
  const store = openStore(ensureHome(home).dbPath);
  store.accounts.upsert({
    id: "bot@im.bot",
    baseUrl: "http://127.0.0.1:9",
    cdnBaseUrl: "http://127.0.0.1:9/c2c",
    token: "tok-terminal",
    ownerUserId: "owner@im.wechat",
    state: "active",
  });
  store.inbound.recordPoll(
    "bot@im.bot",
    "cur-1",
    [
      {
        fromUserId: CONTACT,
        dedupKey: "id:1",
        messageId: "1",
        contextToken: "ctx-m",
        items: [{ type: 1, text_item: { text: `hello ${EVIL}` } }],
      },
    ],
    T0_MS,
  );
  store.contacts.see("bot@im.bot", CONTACT, T0_MS);
  store.accounts.pollFailed("bot@im.bot", `getupdates: HTTP 502: ${EVIL}`, T0_MS + 1_000);
  store.close();
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("the CLI prints outside text visibly, never for the terminal to act on", () => {
  it.each([["history"], ["status"], ["contacts"], ["accounts"]])("%s", async (command) => {
    const r = await runCli([command], env());
    expect(r.code, r.stderr).toBe(0);
    // Layout is ours: lines and tabs stay; nothing else a terminal acts on gets through.
    expect(r.stdout.replace(/[\n\t]/g, "")).not.toMatch(RAW);
    if (command !== "accounts")
      expect(r.stdout).toContain("mallory\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{d}ok\\u{202e}txt.exe");
  });

  it("status shows the server's error text the same way", async () => {
    const r = await runCli(["status"], env());
    expect(r.stdout).toContain("HTTP 502: \\u{1b}[2J");
  });

  it("an error quoting what was typed or stored is shown the same way (stderr)", async () => {
    const r = await runCli(["contacts", "--account", `nope${EVIL}`], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("account nope\\u{1b}[2J");
    expect(r.stderr.replace(/\n/g, "")).not.toMatch(RAW);
  });

  it("--json keeps the exact text, every such character a JSON escape", async () => {
    const r = await runCli(["history", "--json"], env());
    const out = JSON.parse(r.stdout) as { messages: { contact: string; text: string }[] };
    expect(out.messages[0]?.contact).toBe(CONTACT);
    expect(out.messages[0]?.text).toBe(`hello ${EVIL}`);
    expect(r.stdout).not.toMatch(RAW);
  });
});
