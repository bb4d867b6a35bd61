import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { adminLine } from "../../src/cli/commands/start.js";
import { adminFromBanner } from "../reliability/cli.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "wxagent-start-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("wxagent start with no account (the npm start first run)", () => {
  it("starts the simulator, prints the chat page and the admin UI, answers, and stops on SIGINT", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "start", "--sim-port", "0"], {
      env: { ...process.env, WXAGENT_HOME: home, WXAGENT_LOG_LEVEL: "warn", WXAGENT_LOG_FORMAT: "json" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    // The banner arrives once everything listens.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 60 s:\n${out}`)), 60_000);
      child.stdout.on("data", () => {
        if (out.includes("Ctrl-C stops it.")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      const chat = /Chat with your bot here:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
      // stdout is a pipe here, as under a service manager: the URL and the token's file, not the token.
      const admin = adminFromBanner(out);
      expect(chat).toBeDefined();
      expect(admin, out).toBeDefined();
      const token = readFileSync(String(admin?.tokenPath), "utf8").trim();
      expect(token.length).toBeGreaterThanOrEqual(16);
      expect(out).not.toContain(token);
      expect(out).toContain("agent     echo");

      expect((await fetch(`${chat}/`)).status).toBe(200);
      expect((await fetch(`${admin?.url}/`)).status).toBe(401);
      expect(
        (await fetch(`${admin?.url}/api/accounts`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(200);

      // The owner writes in the simulator; the echo agent answers.
      const { accounts } = (await (await fetch(`${chat}/sim/accounts`)).json()) as {
        accounts: { account_id: string; owner_user_id: string }[];
      };
      const acct = accounts[0];
      await fetch(`${chat}/sim/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          account_id: acct?.account_id,
          from: acct?.owner_user_id,
          text: "first hello",
        }),
      });
      let replies: { items: { text?: string }[] }[] = [];
      for (let i = 0; i < 100 && replies.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const r = (await (await fetch(`${chat}/sim/messages?direction=outbound`)).json()) as {
          messages: typeof replies;
        };
        replies = r.messages;
      }
      expect(replies[0]?.items[0]?.text).toBe("first hello");
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
  });
});

describe("the start banner's admin line", () => {
  it("gives a terminal the one-click link and anything else only the URL and the token's file", () => {
    const url = "http://127.0.0.1:8791";
    expect(adminLine(url, "s3cret-token-0123456789", "/h/admin-token", true)).toBe(
      `${url}/?token=s3cret-token-0123456789`,
    );
    const piped = adminLine(url, "s3cret-token-0123456789", "/h/admin-token", false);
    expect(piped).not.toContain("s3cret");
    expect(piped).toContain("/h/admin-token");
    expect(piped.startsWith(`${url}/`)).toBe(true);
  });
});
