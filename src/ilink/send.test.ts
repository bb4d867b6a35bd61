import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ILinkClient } from "./client.js";
import { decryptAesEcb, parseAesKey } from "./crypto.js";
import { fakeFetch, jsonResponse, type RecordedRequest } from "./fake-fetch.test-util.js";
import { mediaKindFromFileName, mimeFromFileName } from "./mime.js";
import { newClientId, sendMedia, sendText } from "./send.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ilink-send-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function server() {
  let n = 0;
  let aeskey = "";
  const f = fakeFetch((req) => {
    if (req.url.endsWith("getuploadurl")) {
      aeskey = JSON.parse(req.body ?? "{}").aeskey;
      return jsonResponse({ upload_param: "UP" });
    }
    if (req.url.includes("/upload?"))
      return new Response(null, { status: 200, headers: { "x-encrypted-param": "DLP" } });
    return jsonResponse({ ret: 0, message_id: 1000 + n++ });
  });
  const client = new ILinkClient({
    baseUrl: "http://api",
    token: "tok-123456",
    cdnBaseUrl: "http://cdn",
    fetch: f.fetch,
  });
  const sends = () =>
    f.calls.filter((c) => c.url.endsWith("sendmessage")).map((c) => JSON.parse(c.body ?? "").msg);
  const uploaded = () => f.calls.find((c) => c.url.includes("/upload?")) as RecordedRequest;
  return { client, calls: f.calls, sends, uploaded, aeskey: () => aeskey };
}

describe("sendText (§7.1)", () => {
  it('sends one TEXT item as BOT/FINISH with from_user_id "", echoing context token and run id', async () => {
    const srv = server();
    const res = await sendText(srv.client, {
      to: "u@im.wechat",
      text: "Hello",
      contextToken: "ctx",
      runId: "run-1",
    });
    const msg = srv.sends()[0];
    expect(msg).toEqual({
      from_user_id: "",
      to_user_id: "u@im.wechat",
      client_id: res.clientId,
      message_type: 2,
      message_state: 2,
      item_list: [{ type: 1, text_item: { text: "Hello" } }],
      context_token: "ctx",
      run_id: "run-1",
    });
    expect(res.clientId).toMatch(/^wxagent:\d{13}-[0-9a-f]{8}$/);
    expect(res.messageId).toBe("1000");
  });

  it("reuses a given client_id, omits unknown context/run, and sends no item_list for empty text", async () => {
    const srv = server();
    await sendText(srv.client, { to: "u", text: "", clientId: "wxagent:1-deadbeef" });
    expect(srv.sends()[0]).toEqual({
      from_user_id: "",
      to_user_id: "u",
      client_id: "wxagent:1-deadbeef",
      message_type: 2,
      message_state: 2,
    });
  });

  it("client ids are fresh per call", () => {
    expect(newClientId(5)).toMatch(/^wxagent:5-[0-9a-f]{8}$/);
    expect(newClientId()).not.toBe(newClientId());
  });
});

describe("sendMedia (§7.2)", () => {
  it("picks the kind from the extension; audio and unknown go as FILE", () => {
    expect(mediaKindFromFileName("a.PNG")).toBe("image");
    expect(mediaKindFromFileName("a.mov")).toBe("video");
    expect(mediaKindFromFileName("a.mp3")).toBe("file");
    expect(mediaKindFromFileName("a.xyz")).toBe("file");
    expect(mimeFromFileName("noext")).toBe("application/octet-stream");
  });

  it("image with caption: caption first as its own message, then the image item", async () => {
    const srv = server();
    const path = join(dir, "pic.jpg");
    await writeFile(path, Buffer.alloc(100, 1));
    const res = await sendMedia(srv.client, {
      to: "u",
      filePath: path,
      caption: "look",
      contextToken: "ctx",
    });
    const [cap, img] = srv.sends();
    expect(cap.item_list).toEqual([{ type: 1, text_item: { text: "look" } }]);
    expect(cap.context_token).toBe("ctx");
    expect(img.context_token).toBe("ctx");
    expect(cap.client_id).not.toBe(img.client_id);
    expect(img.item_list).toEqual([
      {
        type: 2,
        image_item: {
          media: { encrypt_query_param: "DLP", aes_key: expect.any(String), encrypt_type: 1 },
          mid_size: 112,
        },
      },
    ]);
    const aesKey = img.item_list[0].image_item.media.aes_key as string;
    expect(aesKey).toHaveLength(44); // base64 of the 32-char hex
    expect(Buffer.from(aesKey, "base64").toString("ascii")).toBe(srv.aeskey());
    expect(
      decryptAesEcb(srv.uploaded().bytes as Buffer, parseAesKey(aesKey)).equals(Buffer.alloc(100, 1)),
    ).toBe(true);
    expect(res).toMatchObject({
      kind: "image",
      clientId: img.client_id,
      caption: { clientId: cap.client_id },
    });
    expect(JSON.parse(srv.calls.find((c) => c.url.endsWith("getuploadurl"))?.body ?? "").media_type).toBe(1);
  });

  it("video item carries video_size = cipher size; file item carries name and plaintext len as a string", async () => {
    const srv = server();
    const vid = join(dir, "clip.mp4");
    await writeFile(vid, Buffer.alloc(32));
    await sendMedia(srv.client, { to: "u", filePath: vid });
    const doc = join(dir, "song.mp3");
    await writeFile(doc, Buffer.alloc(17));
    await sendMedia(srv.client, { to: "u", filePath: doc });
    const [v, f] = srv.sends();
    expect(v.item_list[0]).toMatchObject({ type: 5, video_item: { video_size: 48 } });
    expect(Object.keys(v.item_list[0].video_item)).toEqual(["media", "video_size"]);
    expect(f.item_list[0]).toMatchObject({ type: 4, file_item: { file_name: "song.mp3", len: "17" } });
    expect(Object.keys(f.item_list[0].file_item)).toEqual(["media", "file_name", "len"]);
    const types = srv.calls
      .filter((c) => c.url.endsWith("getuploadurl"))
      .map((c) => JSON.parse(c.body ?? "").media_type);
    expect(types).toEqual([2, 3]);
  });

  it("a failed upload sends nothing, not even the caption", async () => {
    const f = fakeFetch((req) =>
      req.url.endsWith("getuploadurl") ? jsonResponse({ ret: -1 }) : jsonResponse({}),
    );
    const client = new ILinkClient({ baseUrl: "http://api", token: "t", fetch: f.fetch });
    const path = join(dir, "x.txt");
    await writeFile(path, "x");
    await expect(sendMedia(client, { to: "u", filePath: path, caption: "c" })).rejects.toMatchObject({
      code: "API_ERROR",
    });
    expect(f.calls.filter((c) => c.url.endsWith("sendmessage"))).toHaveLength(0);
  });
});
