import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { verifies } from "../../test/protocol/requirements.js";
import { createSimulator, type Simulator } from "./app.js";
import { callApi, control, getUpdates, type Json, newBot, type TestBot, userWrites } from "./testkit.js";

const USER = "alice@im.wechat";
let sim: Simulator;
afterEach(() => sim.close());

// The test's own AES, independent of the simulator's crypto.ts.
const enc = (plain: Buffer, key: Buffer): Buffer => {
  const c = createCipheriv("aes-128-ecb", key, null);
  return Buffer.concat([c.update(plain), c.final()]);
};
const dec = (cipher: Buffer, key: Buffer): Buffer => {
  const d = createDecipheriv("aes-128-ecb", key, null);
  return Buffer.concat([d.update(cipher), d.final()]);
};
const md5 = (b: Buffer): string => createHash("md5").update(b).digest("hex");
const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const itemsOf = (m: Json | undefined): Json[] => (m?.item_list ?? []) as Json[];
const padded = (n: number): number => Math.ceil((n + 1) / 16) * 16;

function uploadRequest(plain: Buffer, key: Buffer, overrides: Json = {}): Json {
  return {
    filekey: randomBytes(16).toString("hex"),
    media_type: 3,
    to_user_id: USER,
    rawsize: plain.length,
    rawfilemd5: md5(plain),
    filesize: padded(plain.length),
    no_need_thumb: true,
    aeskey: key.toString("hex"),
    ...overrides,
  };
}

async function upload(bot: TestBot, plain: Buffer, key: Buffer): Promise<{ res: Response; url: string }> {
  const ticket = await callApi(sim, "ilink/bot/getuploadurl", bot.token, uploadRequest(plain, key));
  const url = ticket.body.upload_full_url as string;
  const res = await sim.fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/octet-stream" },
    body: enc(plain, key),
  });
  return { res, url };
}

async function setup(): Promise<TestBot> {
  sim = createSimulator({ seed: 2, realism: false, longPollTimeoutMs: 100 });
  const bot = await newBot(sim);
  await userWrites(sim, bot, USER, "send me a file");
  return bot;
}

describe("getuploadurl", () => {
  it(`validates filekey, aeskey and the padded filesize ${verifies("cdn:padded-size", "err:malformed")}`, async () => {
    const bot = await setup();
    const plain = Buffer.alloc(32, 1);
    const key = randomBytes(16);
    const ok = await callApi(sim, "ilink/bot/getuploadurl", bot.token, uploadRequest(plain, key));
    expect(ok.body.ret).toBe(0);
    expect(ok.body.upload_param).toEqual(expect.any(String));
    expect(ok.body.upload_full_url).toMatch(
      /^http:\/\/simulator\.local\/c2c\/upload\?encrypted_query_param=.+&filekey=[0-9a-f]{32}$/,
    );
    for (const bad of [
      { filesize: 32 },
      { filekey: "xyz" },
      { aeskey: key.toString("base64") },
      { media_type: 9 },
      { rawfilemd5: "0" },
      { to_user_id: "" },
      { rawsize: -1 },
    ]) {
      const res = await callApi(sim, "ilink/bot/getuploadurl", bot.token, uploadRequest(plain, key, bad));
      expect(res.body.errcode, JSON.stringify(bad)).toBe(-1);
      expect(res.body.upload_param).toBeUndefined();
    }
  });
});

describe("CDN upload and download", () => {
  it(`upload → 200 + x-encrypted-param; download serves the ciphertext ${verifies("cdn:upload", "cdn:download")}`, async () => {
    const bot = await setup();
    const plain = Buffer.from("hello, cdn");
    const key = randomBytes(16);
    const { res, url } = await upload(bot, plain, key);
    expect(res.status).toBe(200);
    const param = res.headers.get("x-encrypted-param") as string;
    expect(param).toBeTruthy();
    // A retry of the same upload gets the same answer (the client retries on a lost header).
    const retry = await sim.fetch(url, { method: "POST", body: enc(plain, key) });
    expect(retry.headers.get("x-encrypted-param")).toBe(param);
    const down = await sim.fetch(
      `http://simulator.local/c2c/download?encrypted_query_param=${encodeURIComponent(param)}`,
    );
    expect(down.status).toBe(200);
    expect(dec(Buffer.from(await down.arrayBuffer()), key).equals(plain)).toBe(true);
    const missing = await sim.fetch("http://simulator.local/c2c/download?encrypted_query_param=nope");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-error-message")).toBe("object not found");
  });

  it(`rejects wrong length, wrong key, wrong md5 and unknown params with 4xx + x-error-message ${verifies("cdn:upload")}`, async () => {
    const bot = await setup();
    const plain = Buffer.from("0123456789abcdef");
    // Fixed keys, so that the wrong key's decryption always ends in bad padding: with random keys
    // it looks valid about once in 256 runs, and then the length check speaks instead.
    const key = Buffer.from("0f0e0d0c0b0a09080706050403020100", "hex");
    const wrongKey = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    const cases: [Json, Buffer, RegExp][] = [
      [{}, enc(plain, key).subarray(0, 16), /does not match filesize/],
      [{}, enc(plain, wrongKey), /decryption failed|md5/],
      [{ rawfilemd5: md5(Buffer.from("other")) }, enc(plain, key), /md5/],
    ];
    for (const [override, body, message] of cases) {
      const ticket = await callApi(
        sim,
        "ilink/bot/getuploadurl",
        bot.token,
        uploadRequest(plain, key, override),
      );
      const res = await sim.fetch(ticket.body.upload_full_url as string, { method: "POST", body });
      expect(res.status).toBe(400);
      expect(res.headers.get("x-error-message")).toMatch(message);
    }
    const unknown = await sim.fetch("http://simulator.local/c2c/upload?encrypted_query_param=x&filekey=y", {
      method: "POST",
      body: Buffer.alloc(16),
    });
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get("x-error-message")).toBeTruthy();
  });

  it(`an outbound media item is described by decrypting with its aes_key ${verifies("media:outbound")}`, async () => {
    const bot = await setup();
    const inbound = (await control(sim, "GET", "/messages?direction=inbound")).body.messages as Json[];
    const context_token = inbound[0]?.context_token;
    const plain = randomBytes(1000);
    const key = randomBytes(16);
    const { res } = await upload(bot, plain, key);
    const param = res.headers.get("x-encrypted-param") as string;
    const send = async (aesKey: string, clientId: string) =>
      callApi(sim, "ilink/bot/sendmessage", bot.token, {
        msg: {
          from_user_id: "",
          to_user_id: USER,
          client_id: clientId,
          message_type: 2,
          message_state: 2,
          context_token,
          item_list: [
            {
              type: 4,
              file_item: {
                media: { encrypt_query_param: param, aes_key: aesKey, encrypt_type: 1 },
                file_name: "a.bin",
                len: "1000",
              },
            },
          ],
        },
      });
    // The official encoding: base64 of the hex string.
    expect((await send(Buffer.from(key.toString("hex")).toString("base64"), "c1")).body.ret).toBe(0);
    // A wrong key is accepted by the server (as live) but the recipient could not open it.
    expect((await send(randomBytes(16).toString("base64"), "c2")).body.ret).toBe(0);
    const out = (await control(sim, "GET", "/messages?direction=outbound")).body.messages as Json[];
    expect(out[0]?.items).toEqual([
      expect.objectContaining({ type: "file", sha256: sha256(plain), size: 1000, name: "a.bin" }),
    ]);
    expect(((out[1]?.items ?? []) as Json[])[0]?.error).toMatch(/does not decrypt/);
  });

  it(`a 20 MB file goes up and down intact ${verifies("media:large")}`, async () => {
    const bot = await setup();
    const plain = randomBytes(20 * 1024 * 1024);
    const key = randomBytes(16);
    const { res } = await upload(bot, plain, key);
    expect(res.status).toBe(200);
    const param = res.headers.get("x-encrypted-param") as string;
    const down = await sim.fetch(`/c2c/download?encrypted_query_param=${encodeURIComponent(param)}`);
    const cipher = Buffer.from(await down.arrayBuffer());
    expect(cipher.length).toBe(padded(plain.length));
    expect(sha256(dec(cipher, key))).toBe(sha256(plain));
    // Inbound too: a user sends the same 20 MB as a file.
    const sent = await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: USER,
      file: { name: "big.bin", base64: plain.toString("base64") },
    });
    expect(sent.status).toBe(200);
    const msgs = (await getUpdates(sim, bot)).body.msgs as Json[];
    const file = itemsOf(msgs.at(-1))[0]?.file_item as Json;
    expect(file.len).toBe(String(plain.length));
  }, 60_000);
});

describe("inbound media", () => {
  it(`image/file/voice/video decrypt to the bytes sent, with both key encodings ${verifies("media:inbound", "cdn:aes-key-encodings", "cdn:download")}`, async () => {
    const bot = await setup();
    const bytes = {
      image: randomBytes(300),
      file: randomBytes(17),
      voice: randomBytes(64),
      video: randomBytes(1000),
    };
    const res = await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: USER,
      image: { name: "p.png", base64: bytes.image.toString("base64"), mime: "image/png" },
    });
    expect(res.status).toBe(200);
    for (const kind of ["file", "voice", "video"] as const) {
      const media = {
        name: `x.${kind}`,
        base64: bytes[kind].toString("base64"),
        ...(kind === "voice" ? { transcript: "hello" } : {}),
      };
      expect(
        (await control(sim, "POST", "/messages", { account_id: bot.account_id, from: USER, [kind]: media }))
          .status,
      ).toBe(200);
    }
    const msgs = ((await getUpdates(sim, bot)).body.msgs as Json[]).slice(1);
    const items = msgs.map((m) => (m.item_list as Json[])[0] as Json);
    const fetchPlain = async (media: Json, key: Buffer): Promise<Buffer> => {
      const r = await sim.fetch(media.full_url as string);
      return dec(Buffer.from(await r.arrayBuffer()), key);
    };
    const image = items[0]?.image_item as Json;
    const imageMedia = image.media as Json;
    // Images: base64 of the raw 16 bytes, and the same key as hex in image_item.aeskey.
    const rawKey = Buffer.from(imageMedia.aes_key as string, "base64");
    expect(rawKey.length).toBe(16);
    expect(image.aeskey).toBe(rawKey.toString("hex"));
    expect((await fetchPlain(imageMedia, rawKey)).equals(bytes.image)).toBe(true);
    for (const [i, kind] of (["file", "voice", "video"] as const).entries()) {
      const body = items[i + 1]?.[`${kind}_item`] as Json;
      const media = body.media as Json;
      // Files, voice and video: base64 of the 32-char hex string.
      const hex = Buffer.from(media.aes_key as string, "base64").toString("ascii");
      expect(hex).toMatch(/^[0-9a-f]{32}$/);
      expect((await fetchPlain(media, Buffer.from(hex, "hex"))).equals(bytes[kind])).toBe(true);
      expect(media.encrypt_query_param).toEqual(expect.any(String));
    }
    expect(((items[2]?.voice_item ?? {}) as Json).text).toBe("hello");
    const described = (await control(sim, "GET", "/messages?direction=inbound")).body.messages as Json[];
    expect(((described.at(-1)?.items ?? []) as Json[])[0]).toMatchObject({
      type: "video",
      sha256: sha256(bytes.video),
      size: 1000,
    });
  });

  it(`a quote carries ref_msg with svr_id as a raw number ${verifies("quote:ref-msg", "ids:uint64")}`, async () => {
    const bot = await setup();
    const first = ((await control(sim, "GET", "/messages")).body.messages as Json[])[0] as Json;
    await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: USER,
      text: "this one",
      quote: first.message_id,
    });
    await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: USER,
      text: "id only",
      quote: { message_id: first.message_id, id_only: true },
    });
    const res = await getUpdates(sim, bot);
    expect(res.text).toContain(`"svr_id":${first.message_id}`);
    expect(res.text).toContain(`"msg_id":${first.message_id}`);
    const [, inline, idOnly] = res.body.msgs as Json[];
    expect(itemsOf(inline)[0]?.ref_msg).toEqual({
      title: "send me a file",
      message_item: { type: 1, text_item: { text: "send me a file" }, msg_id: first.message_id },
      svr_id: first.message_id,
    });
    expect(itemsOf(idOnly)[0]?.ref_msg).toEqual({ svr_id: first.message_id });
    const bad = await control(sim, "POST", "/messages", {
      account_id: bot.account_id,
      from: USER,
      text: "x",
      quote: "1",
    });
    expect(bad.status).toBe(404);
  });
});
