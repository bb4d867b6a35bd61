import { afterEach, describe, expect, it } from "vitest";
import { verifies } from "../../test/protocol/requirements.js";
import { createSimulator, type Simulator } from "./app.js";
import { callApi, control, type Json } from "./testkit.js";

let sim: Simulator;
let clock = 1_000_000;
afterEach(() => sim.close());

function make(opts: { realism?: boolean; qrHoldMs?: number } = {}): Simulator {
  clock = 1_000_000;
  sim = createSimulator({
    seed: 7,
    now: () => clock,
    qrHoldMs: opts.qrHoldMs ?? 50,
    longPollTimeoutMs: 100,
    realism: opts.realism,
  });
  return sim;
}

async function fetchQr(localTokens?: string[]): Promise<string> {
  const res = await sim.app.request("/ilink/bot/get_bot_qrcode?bot_type=3", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      AuthorizationType: "ilink_bot_token",
      "iLink-App-Id": "bot",
    },
    body: JSON.stringify(localTokens ? { local_token_list: localTokens } : {}),
  });
  const body = (await res.json()) as Json;
  return body.qrcode as string;
}

async function status(qrcode: string, verifyCode?: string): Promise<Json> {
  const q = `qrcode=${encodeURIComponent(qrcode)}${verifyCode ? `&verify_code=${verifyCode}` : ""}`;
  const res = await sim.app.request(`/ilink/bot/get_qrcode_status?${q}`, {
    headers: { "iLink-App-Id": "bot", "iLink-App-ClientVersion": "132105" },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

describe("QR login", () => {
  it(`POST and GET get_bot_qrcode answer qrcode and qrcode_img_content ${verifies("qr:fetch")}`, async () => {
    make();
    const post = await sim.app.request("/ilink/bot/get_bot_qrcode?bot_type=3", {
      method: "POST",
      body: JSON.stringify({ local_token_list: [] }),
    });
    const a = (await post.json()) as Json;
    expect(a.qrcode).toMatch(/^[0-9a-f]{32}$/);
    expect(a.qrcode_img_content).toBe(`http://simulator.local/?qrcode=${a.qrcode}`);
    const get = (await (await sim.app.request("/ilink/bot/get_bot_qrcode?bot_type=3")).json()) as Json;
    expect(get.qrcode).not.toBe(a.qrcode);
    const listed = await control(sim, "GET", "/qr");
    expect((listed.body.qrcodes as Json[]).map((q) => q.status)).toEqual(["wait", "wait"]);
  });

  it(`wait → scaned → confirmed with credentials that work ${verifies("qr:longpoll", "qr:confirm")}`, async () => {
    make();
    const qrcode = await fetchQr([]);
    expect((await status(qrcode)).status).toBe("wait");
    // A second poll with nothing new holds, then answers wait again.
    const t0 = Date.now();
    expect((await status(qrcode)).status).toBe("wait");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    // A held poll is answered as soon as the phone scans.
    const held = status(qrcode);
    const scan = await control(sim, "POST", `/qr/${qrcode}/scan`, {});
    expect(scan.status).toBe(200);
    expect((await held).status).toBe("scaned");
    const confirm = await control(sim, "POST", `/qr/${qrcode}/confirm`);
    expect(confirm.body.status).toBe("confirmed");
    const done = await status(qrcode);
    expect(done).toMatchObject({ status: "confirmed", baseurl: "http://simulator.local" });
    expect(done.ilink_bot_id).toMatch(/^[0-9a-f]{12}@im\.bot$/);
    expect(done.ilink_user_id).toBe(scan.body.user_id);
    expect(done.ilink_user_id).toMatch(/@im\.wechat$/);
    const up = await callApi(sim, "ilink/bot/getupdates", done.bot_token as string, { get_updates_buf: "" });
    expect(up.body.ret).toBe(0);
    const accounts = (await control(sim, "GET", "/accounts")).body.accounts as Json[];
    expect(accounts[0]).toMatchObject({ account_id: done.ilink_bot_id, created_via: "qr", state: "active" });
  });

  it(`expires after its lifetime ${verifies("qr:expired")}`, async () => {
    make();
    const qrcode = await fetchQr();
    expect((await status(qrcode)).status).toBe("wait");
    clock += sim.state.config.qr_lifetime_ms;
    expect((await status(qrcode)).status).toBe("expired");
    expect((await control(sim, "POST", `/qr/${qrcode}/scan`, {})).status).toBe(409);
    const other = await fetchQr();
    expect((await control(sim, "POST", `/qr/${other}/expire`)).body.status).toBe("expired");
  });

  it(`scaned_but_redirect names this simulator's host, then scaned ${verifies("qr:redirect")}`, async () => {
    make();
    const qrcode = await fetchQr();
    await status(qrcode);
    await control(sim, "POST", `/qr/${qrcode}/scan`, { redirect: true });
    const first = await status(qrcode);
    expect(first).toMatchObject({ status: "scaned_but_redirect", redirect_host: "http://simulator.local" });
    expect((await status(qrcode)).status).toBe("scaned");
    await control(sim, "POST", `/qr/${qrcode}/confirm`);
    expect((await status(qrcode)).status).toBe("confirmed");
  });

  it(`pairing code: wrong codes counted, right code scans, blocked after 3 ${verifies("qr:verify-code")}`, async () => {
    make();
    const qrcode = await fetchQr();
    const scan = await control(sim, "POST", `/qr/${qrcode}/scan`, { verify_code: true });
    const code = scan.body.verify_code as string;
    expect(scan.body.status).toBe("need_verifycode");
    expect((await status(qrcode)).status).toBe("need_verifycode");
    expect((await status(qrcode, "0")).status).toBe("need_verifycode");
    expect((await status(qrcode, code)).status).toBe("scaned");

    const blocked = await fetchQr();
    await control(sim, "POST", `/qr/${blocked}/scan`, { verify_code: true });
    expect((await status(blocked, "1")).status).toBe("need_verifycode");
    expect((await status(blocked, "1")).status).toBe("need_verifycode");
    expect((await status(blocked, "1")).status).toBe("verify_code_blocked");
    const listed = (await control(sim, "GET", "/qr")).body.qrcodes as Json[];
    expect(listed.find((q) => q.qrcode === blocked)?.wrong_codes).toBe(3);
  });

  it(`a live token of the scanning user's bot → binded_redirect ${verifies("qr:binded-redirect")}`, async () => {
    make();
    const bot = (await control(sim, "POST", "/accounts", {})).body;
    const qrcode = await fetchQr(["stale-token", bot.token as string]);
    const scan = await control(sim, "POST", `/qr/${qrcode}/scan`, {});
    expect(scan.body).toMatchObject({ status: "binded_redirect", user_id: bot.owner_user_id });
    expect((await status(qrcode)).status).toBe("binded_redirect");
    // Another user scanning the same install's QR binds a new bot as usual.
    const other = await fetchQr([bot.token as string]);
    expect(
      (await control(sim, "POST", `/qr/${other}/scan`, { user_id: "someone@im.wechat" })).body.status,
    ).toBe("scaned");
  });

  it(`malformed QR calls get an errcode ${verifies("err:malformed")}`, async () => {
    make();
    const bad = await sim.app.request("/ilink/bot/get_bot_qrcode?bot_type=3", { method: "POST", body: "{" });
    expect(bad.status).toBe(200);
    expect(await bad.json()).toMatchObject({ ret: -1, errcode: -1 });
    const badList = await sim.app.request("/ilink/bot/get_bot_qrcode", {
      method: "POST",
      body: JSON.stringify({ local_token_list: "x" }),
    });
    expect(((await badList.json()) as Json).errcode).toBe(-1);
    expect(((await (await sim.app.request("/ilink/bot/get_qrcode_status")).json()) as Json).errcode).toBe(-1);
    expect((await status("nope")).errcode).toBe(-1);
  });
});
