/**
 * The SDK (src/ilink) against the simulator, in process: every endpoint, QR login and CDN round
 * trips. The simulator shares no code with the SDK beyond the wire types, so agreement here means
 * both follow the protocol document.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  download,
  downloadItemMedia,
  ILinkClient,
  type LoginWithQrOptions,
  loginWithQr,
  sendMedia,
  sendText,
  startTyping,
  TypingTickets,
  type WeixinMessage,
} from "../../src/ilink/index.js";
import { createSimulator, type Simulator, startSimulator } from "../../src/simulator/index.js";
import { verifies } from "./requirements.js";

type Json = Record<string, unknown>;
const BASE = "http://sim.test:8790";

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sdk-sim-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  sim?.close();
});

function start(options: Parameters<typeof createSimulator>[0] = {}): Simulator {
  sim = createSimulator({ realism: false, seed: 7, publicBaseUrl: BASE, qrHoldMs: 50, ...options });
  return sim;
}

async function control(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<Json> {
  const res = await sim.fetch(`${BASE}/sim${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Json;
}

async function newBot(): Promise<{ client: ILinkClient; account_id: string; owner: string; token: string }> {
  const a = await control("POST", "/accounts", { name: "sdk" });
  const client = new ILinkClient({
    baseUrl: String(a.base_url),
    cdnBaseUrl: String(a.cdn_base_url),
    token: String(a.token),
    fetch: sim.fetch,
  });
  return { client, account_id: String(a.account_id), owner: String(a.owner_user_id), token: String(a.token) };
}

async function nextMessages(
  client: ILinkClient,
  cursor = "",
): Promise<{ msgs: WeixinMessage[]; cursor: string }> {
  const res = await client.getUpdates(cursor, { timeoutMs: 2_000 });
  return { msgs: res.msgs ?? [], cursor: res.get_updates_buf || cursor };
}

function loginOptions(extra: Partial<LoginWithQrOptions>): LoginWithQrOptions {
  return { fetch: sim.fetch, baseUrl: BASE, pollIntervalMs: 10, timeoutMs: 10_000, onQr: () => {}, ...extra };
}

describe("SDK ↔ simulator: QR login", () => {
  it(`wait → scaned → confirmed ${verifies("qr:fetch", "qr:longpoll", "qr:confirm")}`, async () => {
    start();
    const statuses: string[] = [];
    let qrcode = "";
    const result = await loginWithQr(
      loginOptions({
        onQr: (qr) => {
          expect(qr.url).toBeTruthy();
          qrcode = qr.qrcode;
          // the phone scans a little later, while the client is long-polling
          setTimeout(() => void control("POST", `/qr/${qr.qrcode}/scan`, {}), 30);
        },
        onStatus: (status) => {
          statuses.push(status);
          if (status === "scaned") void control("POST", `/qr/${qrcode}/confirm`);
        },
      }),
    );
    expect(result.alreadyBound).toBe(false);
    if (result.alreadyBound) return;
    expect(result.accountId).toMatch(/@im\.bot$/);
    expect(result.baseUrl).toBe(BASE);
    expect(result.userId).toMatch(/@im\.wechat$/);
    expect(statuses).toContain("scaned");
    expect(statuses.at(-1)).toBe("confirmed");
    // the new credentials work
    const client = new ILinkClient({ baseUrl: result.baseUrl, token: result.token, fetch: sim.fetch });
    await expect(client.notifyStart()).resolves.toMatchObject({ ret: 0 });
  });

  it(`pairing code and IDC redirect ${verifies("qr:verify-code", "qr:redirect")}`, async () => {
    start();
    let code = "";
    let qrcode = "";
    const statuses: string[] = [];
    const result = await loginWithQr(
      loginOptions({
        onQr: (qr) => {
          qrcode = qr.qrcode;
          void control("POST", `/qr/${qr.qrcode}/scan`, { redirect: true, verify_code: true }).then((r) => {
            code = String(r.verify_code);
          });
        },
        askVerifyCode: async (attempt) => {
          while (!code) await new Promise((r) => setTimeout(r, 5));
          return attempt === 1 ? "00" : code; // wrong first, then right
        },
        onStatus: (status) => {
          statuses.push(status);
          if (status === "scaned_but_redirect") void control("POST", `/qr/${qrcode}/confirm`);
        },
      }),
    );
    expect(statuses.filter((s) => s === "need_verifycode")).toHaveLength(2);
    expect(statuses).toContain("scaned_but_redirect");
    expect(result.alreadyBound).toBe(false);
  });

  it(`an expired QR code is replaced by a new one ${verifies("qr:expired")}`, async () => {
    start();
    const codes: string[] = [];
    const result = await loginWithQr(
      loginOptions({
        onQr: (qr) => {
          codes.push(qr.qrcode);
          if (codes.length === 1) void control("POST", `/qr/${qr.qrcode}/expire`);
          else
            void control("POST", `/qr/${qr.qrcode}/scan`, {}).then(() =>
              control("POST", `/qr/${qr.qrcode}/confirm`),
            );
        },
      }),
    );
    expect(codes).toHaveLength(2);
    expect(codes[0]).not.toBe(codes[1]);
    expect(result.alreadyBound).toBe(false);
  });

  it(`a bot already bound to a local token answers binded_redirect ${verifies("qr:binded-redirect")}`, async () => {
    start();
    const bot = await newBot();
    const result = await loginWithQr(
      loginOptions({
        localTokens: [bot.token],
        onQr: (qr) => void control("POST", `/qr/${qr.qrcode}/scan`, { user_id: bot.owner }),
      }),
    );
    expect(result).toEqual({ alreadyBound: true });
  });
});

describe("SDK ↔ simulator: messages", () => {
  it(`receive and reply with exact uint64 ids ${verifies("poll:message-shape", "ids:uint64", "send:message-id", "send:one-item", "auth:bearer", "auth:app-headers")}`, async () => {
    start();
    const bot = await newBot();
    await control("POST", "/messages", { account_id: bot.account_id, from: bot.owner, text: "hi bot" });
    const { msgs, cursor } = await nextMessages(bot.client);
    const m = msgs[0] as WeixinMessage;
    expect(m.message_type).toBe(1);
    expect(m.from_user_id).toBe(bot.owner);
    expect(m.message_id).toMatch(/^\d+$/);
    expect(BigInt(m.message_id as string) > 2n ** 53n).toBe(true);
    expect(m.item_list?.[0]?.text_item?.text).toBe("hi bot");
    expect(cursor).not.toBe("");

    const sent = await sendText(bot.client, {
      to: bot.owner,
      text: "hello human",
      contextToken: m.context_token,
    });
    expect(sent.messageId).toMatch(/^\d+$/);
    const out = await control("GET", `/messages?account_id=${bot.account_id}&direction=outbound`);
    const rec = (out.messages as Json[]).at(-1) as Json;
    expect(rec.client_id).toBe(sent.clientId);
    expect(rec.message_id).toBe(sent.messageId);
    expect(rec.items).toEqual([{ type: "text", text: "hello human" }]);
    // nothing new after the cursor
    const again = await bot.client.getUpdates(cursor, { timeoutMs: 300 });
    expect(again.msgs ?? []).toEqual([]);
  });

  it(`a long poll ends empty near the server hint and adopts it ${verifies("poll:longpoll-timeout", "poll:cursor")}`, async () => {
    start({ longPollTimeoutMs: 400 });
    const bot = await newBot();
    const t0 = Date.now();
    const res = await bot.client.getUpdates("");
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(res.msgs ?? []).toEqual([]);
    expect(bot.client.longPollTimeoutMs).toBe(400);
  });

  it(`a stale token is SESSION_EXPIRED naming the fix ${verifies("err:-14")}`, async () => {
    start();
    const bot = await newBot();
    await control("POST", "/faults", { expire_token: bot.account_id });
    await expect(bot.client.getUpdates("", { timeoutMs: 1_000 })).rejects.toMatchObject({
      code: "SESSION_EXPIRED",
      isRetryable: false,
      message: expect.stringContaining("loginWithQr()"),
    });
    await expect(sendText(bot.client, { to: bot.owner, text: "x" })).rejects.toMatchObject({
      code: "SESSION_EXPIRED",
    });
  });

  it(`the per-context-token quota surfaces as THROTTLED ${verifies("send:quota", "send:context-token")}`, async () => {
    start({ realism: true });
    await control("POST", "/config", {
      throttle: { max_sends: 0, window_ms: 1_000, penalty_ms: 0 },
      redelivery_rate: 0,
    });
    const bot = await newBot();
    await control("POST", "/messages", { account_id: bot.account_id, from: bot.owner, text: "go" });
    const { msgs } = await nextMessages(bot.client);
    const ctx = msgs[0]?.context_token;
    let firstError: unknown;
    let sentOk = 0;
    for (let i = 0; i < 12 && !firstError; i++) {
      try {
        await sendText(bot.client, { to: bot.owner, text: `n${i}`, contextToken: ctx });
        sentOk++;
      } catch (err) {
        firstError = err;
      }
    }
    expect(sentOk).toBe(10);
    expect(firstError).toMatchObject({ code: "THROTTLED", ret: -2, isRetryable: true });
  });

  it(`injected faults map to typed errors ${verifies("fault:injection", "err:http-200")}`, async () => {
    start();
    const bot = await newBot();
    await control("POST", "/faults", { endpoint: "sendmessage", status: 503, count: 1 });
    await expect(sendText(bot.client, { to: bot.owner, text: "x" })).rejects.toMatchObject({
      code: "HTTP_503",
      isRetryable: true,
    });
    await control("POST", "/faults", { endpoint: "getupdates", drop: true, count: 1 });
    await expect(bot.client.getUpdates("", { timeoutMs: 1_000 })).rejects.toMatchObject({ code: "NETWORK" });
    await control("POST", "/faults", { endpoint: "getconfig", ret: -1, count: 1 });
    await expect(bot.client.getConfig({ ilink_user_id: bot.owner })).rejects.toMatchObject({
      code: "API_ERROR",
    });
  });
});

describe("SDK ↔ simulator: typing, notify, media", () => {
  it(`typing ticket and typing events ${verifies("config:typing-ticket", "typing:events", "notify:start-stop")}`, async () => {
    start();
    const bot = await newBot();
    await expect(bot.client.notifyStart()).resolves.toMatchObject({ ret: 0 });
    await control("POST", "/messages", { account_id: bot.account_id, from: bot.owner, text: "hi" });
    const { msgs } = await nextMessages(bot.client);
    const tickets = new TypingTickets(bot.client);
    const ticket = await tickets.get(bot.owner, msgs[0]?.context_token);
    expect(ticket).not.toBe("");
    const session = startTyping(bot.client, { to: bot.owner, ticket });
    await new Promise((r) => setTimeout(r, 20));
    await session.stop();
    const typing = await control("GET", `/typing?account_id=${bot.account_id}`);
    expect((typing.events as Json[]).map((e) => e.status)).toEqual(["typing", "cancel"]);
    await expect(bot.client.notifyStop()).resolves.toMatchObject({ ret: 0 });
  });

  it(`outbound media: upload, caption, item ${verifies("cdn:upload", "cdn:padded-size", "media:outbound")}`, async () => {
    start();
    const bot = await newBot();
    await control("POST", "/messages", {
      account_id: bot.account_id,
      from: bot.owner,
      text: "send me a file",
    });
    const { msgs } = await nextMessages(bot.client);
    const ctx = msgs[0]?.context_token;
    const data = randomBytes(70_000);
    const path = join(dir, "report.pdf");
    await writeFile(path, data);
    const res = await sendMedia(bot.client, {
      to: bot.owner,
      filePath: path,
      caption: "here",
      contextToken: ctx,
    });
    const img = join(dir, "pic.png");
    await writeFile(img, randomBytes(4_096)); // exact multiple of 16: a full padding block
    await sendMedia(bot.client, { to: bot.owner, filePath: img, contextToken: ctx });
    expect(res.upload.cipherSize).toBe(70_000 + 16 - (70_000 % 16));
    const out = await control("GET", `/messages?account_id=${bot.account_id}&direction=outbound`);
    const items = (out.messages as Json[]).map((m) => (m.items as Json[])[0]);
    expect(items[0]).toEqual({ type: "text", text: "here" });
    expect(items[1]).toMatchObject({
      type: "file",
      name: "report.pdf",
      size: 70_000,
      sha256: createHash("sha256").update(data).digest("hex"),
    });
    expect(items[1]?.error).toBeUndefined();
    expect(items[2]).toMatchObject({ type: "image", size: 4_096 });
    expect(items[2]?.error).toBeUndefined();
  });

  it(`inbound media decrypt to the bytes sent ${verifies("media:inbound", "cdn:download", "cdn:aes-key-encodings")}`, async () => {
    start();
    const bot = await newBot();
    const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), randomBytes(3000)]);
    const doc = randomBytes(12_345);
    const vid = randomBytes(999);
    await control("POST", "/messages", {
      account_id: bot.account_id,
      from: bot.owner,
      image: { name: "a.png", base64: png.toString("base64") },
    });
    await control("POST", "/messages", {
      account_id: bot.account_id,
      from: bot.owner,
      file: { name: "data.csv", base64: doc.toString("base64") },
    });
    await control("POST", "/messages", {
      account_id: bot.account_id,
      from: bot.owner,
      video: { name: "v.mp4", base64: vid.toString("base64") },
    });
    let cursor = "";
    const all: WeixinMessage[] = [];
    while (all.length < 3) {
      const next = await nextMessages(bot.client, cursor);
      all.push(...next.msgs);
      cursor = next.cursor;
    }
    const [imgItem, fileItem, vidItem] = all.map((m) => m.item_list?.[0]);
    const i = await downloadItemMedia(bot.client, imgItem ?? {});
    expect(i).toMatchObject({ kind: "image", mime: "image/png" });
    expect("bytes" in i && i.bytes.equals(png)).toBe(true);
    const f = await downloadItemMedia(bot.client, fileItem ?? {}, { toFile: join(dir, "in.csv") });
    expect(f).toMatchObject({ kind: "file", name: "data.csv", mime: "text/csv", size: doc.length });
    const v = await downloadItemMedia(bot.client, vidItem ?? {});
    expect("bytes" in v && v.bytes.equals(vid)).toBe(true);
  });

  it(`a 20 MB file streams up and back intact ${verifies("media:large")}`, async () => {
    start();
    const bot = await newBot();
    await control("POST", "/messages", { account_id: bot.account_id, from: bot.owner, text: "big one" });
    const { msgs } = await nextMessages(bot.client);
    const data = randomBytes(20 * 1024 * 1024);
    const path = join(dir, "big.zip");
    await writeFile(path, data);
    const res = await sendMedia(bot.client, {
      to: bot.owner,
      filePath: path,
      contextToken: msgs[0]?.context_token,
    });
    const back = await download(
      { encrypt_query_param: res.upload.encryptQueryParam },
      {
        fetch: sim.fetch,
        cdnBaseUrl: bot.client.cdnBaseUrl,
        key: Buffer.from(res.upload.aesKeyHex, "hex"),
        toFile: join(dir, "big.out"),
      },
    );
    expect(back).toMatchObject({ size: data.length });
    expect((await readFile(join(dir, "big.out"))).equals(data)).toBe(true);
    const out = await control("GET", `/messages?account_id=${bot.account_id}&direction=outbound`);
    const item = ((out.messages as Json[]).at(-1)?.items as Json[] | undefined)?.[0];
    expect(item).toMatchObject({
      type: "file",
      size: data.length,
      sha256: createHash("sha256").update(data).digest("hex"),
    });
  });

  it(`a transient CDN failure is retried ${verifies("cdn:upload")}`, async () => {
    start();
    const bot = await newBot();
    await control("POST", "/faults", { endpoint: "cdn_upload", status: 500, count: 2 });
    const path = join(dir, "retry.txt");
    await writeFile(path, "third time lucky");
    await control("POST", "/messages", { account_id: bot.account_id, from: bot.owner, text: "x" });
    const { msgs } = await nextMessages(bot.client);
    const res = await sendMedia(bot.client, {
      to: bot.owner,
      filePath: path,
      contextToken: msgs[0]?.context_token,
    });
    expect(res.upload.encryptQueryParam).toBeTruthy();
  });
});

describe("SDK ↔ simulator over a real loopback socket (undici fetch)", () => {
  it(`login, poll, reply and a streamed upload with the default fetch ${verifies("cdn:upload", "cdn:download", "qr:confirm")}`, async () => {
    const running = await startSimulator({ port: 0, realism: false, seed: 11 });
    try {
      const ctl = async (method: string, path: string, body?: unknown): Promise<Json> => {
        const res = await fetch(`${running.url}/sim${path}`, {
          method,
          headers: body === undefined ? {} : { "Content-Type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return (await res.json()) as Json;
      };
      const login = await loginWithQr({
        baseUrl: running.url,
        pollIntervalMs: 10,
        timeoutMs: 10_000,
        onQr: (qr) =>
          void ctl("POST", `/qr/${qr.qrcode}/scan`, {}).then(() => ctl("POST", `/qr/${qr.qrcode}/confirm`)),
      });
      if (login.alreadyBound) throw new Error("unexpected binded_redirect");
      expect(login.baseUrl).toBe(running.url);
      const client = new ILinkClient({
        baseUrl: login.baseUrl,
        token: login.token,
        cdnBaseUrl: `${running.url}/c2c`,
      });
      const owner = String(login.userId);
      const bot = ((await ctl("GET", "/accounts")).accounts as Json[]).find(
        (a) => a.account_id === login.accountId,
      );
      expect(bot).toBeDefined();
      await ctl("POST", "/messages", { account_id: login.accountId, from: owner, text: "over the wire" });
      const res = await client.getUpdates("", { timeoutMs: 3_000 });
      const msg = res.msgs?.[0];
      expect(msg?.item_list?.[0]?.text_item?.text).toBe("over the wire");
      const data = randomBytes(1_000_003);
      const path = join(dir, "wire.bin");
      await writeFile(path, data);
      const sent = await sendMedia(client, { to: owner, filePath: path, contextToken: msg?.context_token });
      const back = await download(
        { encrypt_query_param: sent.upload.encryptQueryParam },
        { cdnBaseUrl: client.cdnBaseUrl, key: Buffer.from(sent.upload.aesKeyHex, "hex") },
      );
      expect("bytes" in back && back.bytes.equals(data)).toBe(true);
    } finally {
      await running.close();
    }
  });
});
