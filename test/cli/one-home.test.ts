/**
 * `npm start` with its embedded simulator, and the rest of the CLI in "another terminal", all on
 * one `$WXAGENT_HOME` (issue 16, items 1–4):
 *   1. `status`, `accounts`, `history`, `doctor` see the running session (the simulated account,
 *      marked so); the admin token is `<home>/admin-token`; an older `<home>/sim/` is retired;
 *   2. -14 on the simulator names the fix that works there; the next start is never stuck on the
 *      dead simulator's accounts (they are forgotten) and shows the chat page again;
 *   3. bots added while it runs (the chat page's "Create bot account", `wxagent login`) are
 *      polled at once, with one line each;
 *   4. a group on the simulator is answered when the bot is @-mentioned.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AccountJson } from "../../src/ops/json.js";
import {
  adminFromBanner,
  type Daemon,
  startDaemon,
  stopDaemon,
  tempHome,
  wxagent,
} from "../reliability/cli.js";

// Any free port for the admin UI; nothing else configured: the simulator's own defaults apply.
const h = tempHome({ admin: { port: 0 } });
const home = h.home;
let daemon: Daemon | undefined;
afterAll(async () => {
  if (daemon) await stopDaemon(daemon);
  h.remove();
});

interface SimMessage {
  direction: string;
  account_id: string;
  to: string;
  context_token: string | null;
  items: { text?: string }[];
}

async function call<T>(url: string, method = "GET", body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${JSON.stringify(data)}`);
  return data;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A user writes to a bot on the simulator; resolves with the bot's answer to that message. */
async function exchange(
  sim: string,
  accountId: string,
  from: string,
  text: string,
  groupId?: string,
): Promise<SimMessage> {
  const sent = await call<{ context_token: string }>(`${sim}/sim/messages`, "POST", {
    account_id: accountId,
    from,
    text,
    ...(groupId ? { group_id: groupId } : {}),
  });
  return until(`an answer to "${text}"`, async () => {
    const { messages } = await call<{ messages: SimMessage[] }>(
      `${sim}/sim/messages?account_id=${encodeURIComponent(accountId)}&direction=outbound`,
    );
    return messages.find((m) => m.context_token === sent.context_token);
  });
}

const json = async <T>(args: string[]): Promise<T> => {
  const r = await wxagent(h, [...args, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};

/** `status --json` and `accounts --json`: `{accounts: [...]}` (README "Machine-readable output"). */
const accountsOf = async (command: "status" | "accounts"): Promise<AccountJson[]> =>
  (await json<{ accounts: AccountJson[] }>([command])).accounts;

const historyOf = async (): Promise<{ direction: string; text: string }[]> =>
  (await json<{ messages: { direction: string; text: string }[] }>(["history"])).messages;

describe("npm start and the CLI share one home", () => {
  let sim = "";
  let first = { account_id: "", owner_user_id: "" };
  const added: string[] = [];

  it("starts on the one home, retiring an older sim/ folder and keeping the files agents wrote there", async () => {
    mkdirSync(join(home, "sim", "workspaces", "bot", "user"), { recursive: true });
    writeFileSync(join(home, "sim", "wxagent.db"), "old session");
    writeFileSync(join(home, "sim", "admin-token"), "old-token");
    writeFileSync(join(home, "sim", "workspaces", "bot", "user", "notes.txt"), "kept");
    daemon = await startDaemon(h, ["--sim-port", "0"], 90_000);
    const out = daemon.stdout();
    sim = /Chat with your bot here:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1] ?? "";
    expect(sim, out + daemon.stderr()).not.toBe("");
    expect(out).toContain("write @wxagent to address the bot");
    expect(existsSync(join(home, "sim"))).toBe(false);
    expect(readFileSync(join(home, "sim-old", "workspaces", "bot", "user", "notes.txt"), "utf8")).toBe(
      "kept",
    );
    expect(existsSync(join(home, "sim-old", "wxagent.db"))).toBe(false);
    expect(existsSync(join(home, "sim-old", "admin-token"))).toBe(false);
    expect(daemon.stderr()).toContain(`moved ${join(home, "sim")} to ${join(home, "sim-old")}`);
    const { accounts } = await call<{ accounts: { account_id: string; owner_user_id: string }[] }>(
      `${sim}/sim/accounts`,
    );
    first = accounts[0] ?? first;
  }, 120_000);

  it("status, accounts and doctor in another terminal see the running simulated account", async () => {
    const pid = daemon?.proc.pid;
    const status = await accountsOf("status");
    expect(status).toEqual([
      expect.objectContaining({ account: first.account_id, state: "active", simulated: true }),
    ]);
    expect(status[0]?.poller?.pid).toBe(pid);
    const rows = await accountsOf("accounts");
    expect(rows).toEqual([expect.objectContaining({ account: first.account_id, simulated: true })]);
    const doctor = await wxagent(h, ["doctor"]);
    expect(doctor.stdout).toContain(
      `✓ account ${first.account_id}: active, simulated on ${sim}, polling ok (pid ${pid}`,
    );
  }, 60_000);

  it("the admin token is where the README and the 401 page say, and it opens the admin API", async () => {
    const out = daemon?.stdout() ?? "";
    const admin = adminFromBanner(out);
    expect(admin?.tokenPath).toBe(join(home, "admin-token"));
    const token = readFileSync(join(home, "admin-token"), "utf8").trim();
    const res = await fetch(`${admin?.url}/api/accounts`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accounts: { account: string }[] };
    expect(body.accounts.map((a) => a.account)).toEqual([first.account_id]);
  }, 30_000);

  it("history in another terminal shows the chat, and a group is answered when @-mentioned", async () => {
    const dm = await exchange(sim, first.account_id, first.owner_user_id, "hello from the chat page");
    expect(dm.items[0]?.text).toBe("hello from the chat page");
    const group = await exchange(
      sim,
      first.account_id,
      first.owner_user_id,
      "@wxagent what about the group?",
      "team42@chatroom",
    );
    expect(group.items[0]?.text).toBe("what about the group?");
    const history = await historyOf();
    expect(history.map((m) => `${m.direction} ${m.text}`)).toEqual(
      expect.arrayContaining([
        "in hello from the chat page",
        "out hello from the chat page",
        "in @wxagent what about the group?",
        "out what about the group?",
      ]),
    );
  }, 60_000);

  it("a bot made on the chat page is served at once, with one line", async () => {
    // What the chat page's "+ Create bot account" sends.
    const bot = await call<{ account_id: string }>(`${sim}/sim/accounts`, "POST", {
      owner_user_id: first.owner_user_id,
    });
    added.push(bot.account_id);
    const answer = await exchange(sim, bot.account_id, first.owner_user_id, "are you there, new bot?");
    expect(answer.items[0]?.text).toBe("are you there, new bot?");
    expect(daemon?.stderr()).toContain(
      `simulated account ${bot.account_id} added while running: polling it now`,
    );
  }, 60_000);

  it("`wxagent login` against the simulator prints the phone page, saves the bot marked simulated, and the gateway polls it", async () => {
    const login = wxagent(h, ["login", "--base-url", sim, "--timeout-ms", "60000"], 90_000);
    const qr = await until("the login's QR code", async () => {
      const { qrcodes } = await call<{ qrcodes: { qrcode: string; status: string }[] }>(`${sim}/sim/qr`);
      return qrcodes.find((q) => q.status === "wait")?.qrcode;
    });
    const alice = await call<{ user_id: string }>(`${sim}/sim/users`, "POST", { name: "alice" });
    await call(`${sim}/sim/qr/${qr}/scan`, "POST", { user_id: alice.user_id });
    const confirmed = await call<{ account_id: string }>(`${sim}/sim/qr/${qr}/confirm`, "POST");
    const r = await login;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${sim}/?qrcode=${qr}`);
    expect(r.stdout).toContain("its chat page plays the phone");
    expect(r.stdout).toContain(
      `Logged in: account ${confirmed.account_id} (owner ${alice.user_id}) on the simulator`,
    );
    added.push(confirmed.account_id);
    const answer = await exchange(sim, confirmed.account_id, alice.user_id, "hi from alice");
    expect(answer.items[0]?.text).toBe("hi from alice");
    const rows = await accountsOf("accounts");
    expect(rows.find((a) => a.account === confirmed.account_id)).toMatchObject({ simulated: true });
    // One line per added bot, however many times the watcher looked since.
    const err = daemon?.stderr() ?? "";
    for (const id of added) expect(err.split(id).length - 1, err).toBe(1);
    expect(err).not.toContain("polling again");
  }, 120_000);

  it("-14 on the simulator names what works there", async () => {
    await call(`${sim}/sim/faults`, "POST", { expire_token: first.account_id });
    const expired = await until("the account marked expired", async () => {
      const rows = await accountsOf("status");
      return rows.find((a) => a.account === first.account_id && a.state === "expired");
    });
    expect(expired.fix).toContain(`${sim}/ (Bot → “+ Create bot account”)`);
    expect(expired.fix).toContain("admin UI's QR login");
    expect(daemon?.stderr()).toContain(`account ${first.account_id}: session expired (-14) on the simulator`);
    // the other bots keep answering
    const answer = await exchange(sim, added[0] ?? "", first.owner_user_id, "still here?");
    expect(answer.items[0]?.text).toBe("still here?");
  }, 60_000);

  it("after a stop the accounts say their simulator stopped; the next start forgets them and shows a chat page again", async () => {
    expect(await stopDaemon(daemon as Daemon)).toBe(0);
    daemon = undefined;
    const stopped = await accountsOf("accounts");
    expect(stopped).toHaveLength(3);
    for (const a of stopped)
      expect(a).toMatchObject({ state: "disabled", fix: expect.stringContaining("npm start") });

    daemon = await startDaemon(h, ["--sim-port", "0"], 90_000);
    const chat = /Chat with your bot here:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(daemon.stdout())?.[1];
    expect(chat, daemon.stdout() + daemon.stderr()).toBeDefined();
    for (const a of stopped)
      expect(daemon.stderr()).toContain(
        `forgot simulated account ${a.account}: its simulator at ${sim} is not running`,
      );
    const now = await accountsOf("status");
    expect(now).toEqual([expect.objectContaining({ state: "active", simulated: true })]);
    expect(stopped.map((a) => a.account)).not.toContain(now[0]?.account);
    // Their chats went with them: history holds nothing of the old session.
    expect(await historyOf()).toEqual([]);
    expect(await stopDaemon(daemon)).toBe(0);
    daemon = undefined;
  }, 180_000);
});
