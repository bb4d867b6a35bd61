import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { openStore } from "../../src/store/index.js";
import { runCli } from "./run-cli.js";

let home: string;
let sim: RunningSimulator;
let account: { account_id: string; token: string; base_url: string; cdn_base_url: string };
const env = () => ({ WXAGENT_HOME: home });

async function control<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sim.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "wxagent-send-"));
  sim = await startSimulator({ port: 0, realism: false });
  account = await control("/sim/accounts", { name: "bot" });
  const add = await runCli(
    [
      "accounts",
      "add",
      "--base-url",
      account.base_url,
      "--token",
      account.token,
      "--account-id",
      account.account_id,
    ],
    env(),
  );
  expect(add.code).toBe(0);
});
afterAll(async () => {
  await sim.close();
  rmSync(home, { recursive: true, force: true });
});

describe("wxagent send", () => {
  it("refuses a contact that never wrote, saying why", async () => {
    const r = await runCli(["send", "--to", "nobody@im.wechat", "--text", "hi"], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nobody@im\.wechat/);
  });

  it("needs exactly one of --text and --file (usage, exit 2)", async () => {
    const r = await runCli(["send", "--to", "x@im.wechat"], env());
    expect(r.code).toBe(2);
  });

  it("sends with the stored context token and the simulator receives it", async () => {
    const { user_id } = await control<{ user_id: string }>("/sim/users", { name: "alice" });
    const { context_token } = await control<{ context_token: string }>("/sim/messages", {
      account_id: account.account_id,
      from: user_id,
      text: "hello bot",
    });
    // What a running gateway would have stored when it saw her message.
    const store = openStore(join(home, "wxagent.db"));
    store.contacts.see(account.account_id, user_id, Date.now());
    store.contextTokens.set(account.account_id, user_id, context_token, Date.now());
    store.close();

    const r = await runCli(["send", "--to", user_id, "--text", "a proactive hello"], env());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`sent 1 message(s) to ${user_id}`);
    const { messages } = await control<{
      messages: { direction: string; context_token?: string; items: { text?: string }[] }[];
    }>(`/sim/messages?account_id=${account.account_id}&user_id=${user_id}&direction=outbound`);
    expect(messages).toEqual([
      expect.objectContaining({
        context_token,
        items: [expect.objectContaining({ text: "a proactive hello" })],
      }),
    ]);
  });
});
