import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ILinkClient } from "./client.js";
import { encryptAesEcb } from "./crypto.js";
import { fakeFetch } from "./fake-fetch.test-util.js";
import { downloadItemMedia, itemMedia } from "./inbound-media.js";
import type { MessageItem } from "./wire.js";

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(50)]);
const KEY = randomBytes(16);
const HEX_FORM = Buffer.from(KEY.toString("hex")).toString("base64");
const RAW_FORM = KEY.toString("base64");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ilink-in-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cdn(body: Buffer) {
  const f = fakeFetch(() => new Response(body));
  return {
    client: new ILinkClient({ baseUrl: "http://api", cdnBaseUrl: "http://cdn/c2c", fetch: f.fetch }),
    calls: f.calls,
  };
}

describe("downloadItemMedia (§10.3)", () => {
  it("image: image_item.aeskey (hex) wins over media.aes_key; MIME sniffed", async () => {
    const { client, calls } = cdn(encryptAesEcb(PNG, KEY));
    const item: MessageItem = {
      type: 2,
      image_item: {
        aeskey: KEY.toString("hex"),
        media: { encrypt_query_param: "E", aes_key: randomBytes(16).toString("base64") },
      },
    };
    const r = await downloadItemMedia(client, item);
    expect(r).toMatchObject({ kind: "image", mime: "image/png", name: "image.png" });
    expect("bytes" in r && r.bytes.equals(PNG)).toBe(true);
    expect(calls[0]?.url).toBe("http://cdn/c2c/download?encrypted_query_param=E");
  });

  it("image with form-A media.aes_key, and an unencrypted image without any key", async () => {
    const a = cdn(encryptAesEcb(PNG, KEY));
    const r = await downloadItemMedia(a.client, {
      type: 2,
      image_item: { media: { full_url: "http://f/1", aes_key: RAW_FORM } },
    });
    expect("bytes" in r && r.bytes.equals(PNG)).toBe(true);
    const b = cdn(PNG);
    const plain = await downloadItemMedia(b.client, {
      type: 2,
      image_item: { media: { encrypt_query_param: "E" } },
    });
    expect("bytes" in plain && plain.bytes.equals(PNG)).toBe(true);
  });

  it("file: form-B key, original name and MIME from it, streamed to a file", async () => {
    const data = Buffer.from("%PDF-1.4 hello");
    const { client } = cdn(encryptAesEcb(data, KEY));
    const path = join(dir, "doc");
    const r = await downloadItemMedia(
      client,
      {
        type: 4,
        file_item: {
          file_name: "report.pdf",
          len: String(data.length),
          media: { encrypt_query_param: "E", aes_key: HEX_FORM },
        },
      },
      { toFile: path },
    );
    expect(r).toEqual({ path, size: data.length, kind: "file", mime: "application/pdf", name: "report.pdf" });
    expect((await readFile(path)).equals(data)).toBe(true);
  });

  it("video and voice need media.aes_key; voice SILK comes back as audio/silk", async () => {
    const data = randomBytes(33);
    const { client } = cdn(encryptAesEcb(data, KEY));
    const v = await downloadItemMedia(client, {
      type: 5,
      video_item: { media: { encrypt_query_param: "E", aes_key: HEX_FORM } },
    });
    expect(v).toMatchObject({ kind: "video", mime: "video/mp4" });
    const s = await downloadItemMedia(client, {
      type: 3,
      voice_item: { encode_type: 6, media: { encrypt_query_param: "E", aes_key: HEX_FORM } },
    });
    expect(s).toMatchObject({ kind: "voice", mime: "audio/silk", name: "voice.silk" });
    await expect(
      downloadItemMedia(client, { type: 4, file_item: { media: { encrypt_query_param: "E" } } }),
    ).rejects.toMatchObject({ code: "BAD_AES_KEY" });
    await expect(
      downloadItemMedia(client, {
        type: 5,
        video_item: { media: { encrypt_query_param: "E", aes_key: "broken" } },
      }),
    ).rejects.toMatchObject({ code: "BAD_AES_KEY" });
  });

  it("items without media are NO_MEDIA", async () => {
    const { client } = cdn(Buffer.alloc(0));
    expect(itemMedia({ type: 1, text_item: { text: "hi" } })).toBeUndefined();
    expect(itemMedia({ type: 2, image_item: { media: {} } })).toBeUndefined();
    await expect(downloadItemMedia(client, { type: 1 })).rejects.toMatchObject({ code: "NO_MEDIA" });
  });
});
