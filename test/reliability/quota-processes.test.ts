/**
 * Issue 17, as written: a real `wxagent start` node and a real `wxagent mcp` process, on one
 * PostgreSQL database, send to one contact at once (the node through its REST API, so through its
 * gateway's delivery; `wxagent mcp` through its own). The contact's quota is spent in the database
 * one slot at a time: together they never send more than it allows, what does not fit waits in the
 * outbox, and all of it goes out once the contact writes again. Nothing lost, nothing twice.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { newBot } from "../../src/simulator/testkit.js";
import { pgTestDatabase } from "../../src/store/postgres-server.test-util.js";
import {
  addSimAccount,
  adminFromBanner,
  type CliHome,
  type Daemon,
  ECHO_START_ARGS,
  kill9,
  startDaemon,
  storeHome,
  until,
} from "./cli.js";
import { inject, outbound } from "./harness.js";

const db = await pgTestDatabase("quota_processes");
afterAll(async () => {
  if (typeof db !== "string") await db.drop();
});

const CAROL = "carol-q@im.wechat";
const QUOTA = 10;
const EACH = 6;
const ROOT = join(import.meta.dirname, "..", "..");

let sim: RunningSimulator | undefined;
let home: CliHome | undefined;
let node: Daemon | undefined;
let mcp: Client | undefined;
afterEach(async () => {
  await mcp?.close();
  if (node) await kill9(node);
  await sim?.close();
  home?.remove();
  sim = home = node = mcp = undefined;
});

/** What one send answered: sent, or the error code it was refused with. */
type Answer = "sent" | string;

describe.skipIf(typeof db === "string")(
  `the gateway and wxagent mcp send to one contact at once${typeof db === "string" ? ` (skipped: ${db})` : ""}`,
  () => {
    it(`${2 * EACH} sends from two processes, ${QUOTA - 1} slots left: no more go out, the rest after the contact writes`, async () => {
      if (typeof db === "string") return;
      sim = await startSimulator({ port: 0, realism: false });
      const s = sim;
      const bot = await newBot(s.simulator);
      home = await storeHome(db);
      const h = home;
      expect((await addSimAccount(h, s.url, bot)).code).toBe(0);
      node = await startDaemon(h, ECHO_START_ARGS);
      const n = node;
      expect(n.proc.exitCode, n.stderr()).toBeNull();
      const admin = adminFromBanner(n.stdout());
      expect(admin, n.stdout()).toBeDefined();
      const token = readFileSync(String(admin?.tokenPath), "utf8").trim();

      const seen = async () => (await outbound(s.simulator, bot.account_id)).filter((m) => m.to === CAROL);
      // Carol writes once: the node's echo spends the first slot of her token.
      await inject(s.simulator, bot.account_id, CAROL, "hello");
      await until("the echo", async () => (await seen()).length === 1);

      const transport = new StdioClientTransport({
        command: process.execPath,
        args: ["--import", "tsx", "src/cli/main.ts", "mcp"],
        cwd: ROOT,
        env: h.env as Record<string, string>,
        stderr: "pipe",
      });
      mcp = new Client({ name: "quota-test", version: "0.0.0" });
      await mcp.connect(transport);
      const client = mcp;

      const viaRest = (i: number): Promise<Answer> =>
        fetch(`${admin?.url}/api/send/text`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ to: CAROL, text: `rest #${i}` }),
        }).then(async (r) => (r.ok ? "sent" : String(((await r.json()) as { code?: string }).code)));
      const viaMcp = (i: number): Promise<Answer> =>
        client.callTool({ name: "send_text", arguments: { to: CAROL, text: `mcp #${i}` } }).then((r) => {
          if (!r.isError) return "sent";
          const text = (r.content as { type: string; text?: string }[])[0]?.text ?? "";
          return /^([A-Z_]+):/.exec(text)?.[1] ?? text;
        });
      const answers = await Promise.all(
        Array.from({ length: EACH }, (_, i) => [viaRest(i), viaMcp(i)]).flat(),
      );

      const ours = (texts: (string | undefined)[]) => texts.filter((t) => /^(rest|mcp) #/.test(t ?? ""));
      const now = (await seen()).map((m) => m.items[0]?.text);
      // Every slot of the token spent, never one more: the echo, the sends, and a note asking
      // Carol to reply when a send found the quota gone.
      expect(now.length, JSON.stringify(now)).toBe(QUOTA);
      expect(answers.filter((a) => a === "sent")).toHaveLength(ours(now).length);
      expect(
        answers.filter((a) => a !== "sent").every((a) => a === "QUOTA_SPENT"),
        answers.join(),
      ).toBe(true);
      expect(ours(now).length).toBeGreaterThanOrEqual(QUOTA - 2);

      // Carol writes again: the outbox goes out, each send exactly once.
      await inject(s.simulator, bot.account_id, CAROL, "still there?");
      const want = Array.from({ length: EACH }, (_, i) => [`rest #${i}`, `mcp #${i}`]).flat();
      await until(
        "the outbox",
        async () => ours((await seen()).map((m) => m.items[0]?.text)).length >= want.length,
      );
      await new Promise((r) => setTimeout(r, 500)); // a second copy would show now
      const all = ours((await seen()).map((m) => m.items[0]?.text));
      expect([...all].sort()).toEqual([...want].sort());
    }, 90_000);
  },
);
