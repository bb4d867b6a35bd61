/**
 * Secrets stay secret, end to end: the gateway runs against the simulator (realism on) while
 * sends and polls fail in every way the simulator can make them fail and the session finally
 * expires (-14); every log line at every level, the status the admin UI and `wxagent status`
 * show, and the error texts are searched for the bot token and every context token the
 * simulator issued. None may appear. (Unit-level redaction is tested in src/util/logger.test.ts.)
 */
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createRootLogger, setLogger } from "../../src/util/logger.js";

// Captured before the gateway's modules load: some create their logger at import.
const lines: string[] = [];
setLogger(
  createRootLogger(
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }) as never,
    "trace",
  ),
);
const { control, waitFor } = await import("../../src/simulator/testkit.js");
const { burst, inject, outbound, startRig } = await import("../reliability/harness.js");
type Rig = Awaited<ReturnType<typeof startRig>>;

let rig: Rig | undefined;
afterAll(async () => {
  await rig?.close();
});

describe("secrets under failure", () => {
  it("no bot token or context token in any log line, status or error, through faults and -14", async () => {
    rig = await startRig({
      sim: { realism: true, seed: 21 },
      gateway: {
        backoff: { retryDelayMs: 50, longDelayMs: 200, failuresBeforeLongDelay: 3 },
        delivery: {
          spacingMs: 400,
          retryDelaysMs: [50, 100],
          throttleDelaysMs: [100, 200],
          typingStartAfterMs: 0,
        },
      },
    });
    const { sim, bot, gateway } = rig;
    for (const f of [
      { endpoint: "sendmessage", status: 500, count: 3 },
      { endpoint: "sendmessage", drop: true, count: 2 },
      { endpoint: "sendmessage", ret: -2, errmsg: "rate limited", count: 3 },
      { endpoint: "getupdates", status: 502, count: 2 },
      { endpoint: "getupdates", drop: true, count: 1 },
      { endpoint: "getconfig", ret: -4, errmsg: "GetTypingTicket rpc failed", count: 2 },
    ]) {
      await control(sim, "POST", "/faults", { ...f, account_id: bot.account_id });
    }
    // 12 messages per contact: past the context-token quota, so the "continue" note and the
    // outbox are exercised too.
    await Promise.all(burst(5, 12).map((m) => inject(sim, bot.account_id, m.from, m.text)));
    await waitFor(
      sim,
      "40 replies",
      () => outbound(sim, bot.account_id),
      (out) => out.length >= 40,
      15_000,
    );
    const deadline = Date.now() + 10_000;
    await control(sim, "POST", "/faults", { expire_token: bot.account_id });
    await inject(sim, bot.account_id, "rel-0@im.wechat", "after expiry");
    while (!(await gateway.status()).accounts[0]?.expired && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect((await gateway.status()).accounts[0]?.expired).toBe(true);

    const inbound = (await control(sim, "GET", `/messages?account_id=${bot.account_id}&direction=inbound`))
      .body.messages as { context_token?: string }[];
    const secrets = [
      bot.token,
      ...new Set(inbound.map((m) => m.context_token).filter((t): t is string => !!t)),
    ];
    expect(secrets.length).toBeGreaterThan(10);
    const status = JSON.stringify(await gateway.status());
    const stored = await rig.store.accounts.get(bot.account_id);
    const surfaces = { logs: lines.join(""), status, stateReason: stored?.stateReason ?? "" };
    for (const [where, text] of Object.entries(surfaces)) {
      for (const s of secrets) expect(text.includes(s), `${where} contains a secret`).toBe(false);
    }
    // Not vacuous: failures were logged, at warn or above, and the expiry names its fix.
    const failures = lines.filter((l) => /"level":(40|50)/.test(l));
    expect(failures.length).toBeGreaterThan(5);
    expect(surfaces.logs).toContain("wxagent login");
  }, 40_000);
});
