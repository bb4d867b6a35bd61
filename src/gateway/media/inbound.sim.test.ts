import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { encode } from "silk-wasm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { safeSegment } from "../../agent/workspace.js";
import type { MessageItem } from "../../ilink/wire.js";
import { type PrepareInboundOptions, prepareInboundMedia } from "./inbound.js";
import { VOICE_FALLBACK_NOTICE } from "./notices.js";
import { b64, PNG_1PX, type SimRig, simRig } from "./sim.test-util.js";
import type { Transcriber } from "./transcribe.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** 1 s of a 440 Hz tone, 24 kHz mono s16le, encoded to SILK the way WeChat sends voice. */
async function silkTone(): Promise<Buffer> {
  const pcm = Buffer.alloc(24_000 * 2);
  for (let i = 0; i < 24_000; i++)
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24_000)), i * 2);
  return Buffer.from((await encode(pcm, 24_000)).data);
}

let rig: SimRig;
beforeEach(async () => {
  rig = await simRig();
});
afterEach(async () => {
  await rig.close();
});

function opts(
  extra: Partial<PrepareInboundOptions> & Pick<PrepareInboundOptions, "items">,
): PrepareInboundOptions {
  return {
    accountId: rig.bot.account_id,
    inboundId: 42,
    workspaceDir: rig.workspaceDir,
    mediaDir: rig.mediaDir,
    downloader: rig.client,
    ...extra,
  };
}

describe("prepareInboundMedia through the simulator", () => {
  it("an image ends as a MediaRef with the exact bytes on disk, image/png, under the message's media dir", async () => {
    const { items } = await rig.send({ text: "look", image: { name: "x.png", base64: b64(PNG_1PX) } });
    const out = await prepareInboundMedia(opts({ items }));
    expect(out.userNotices).toEqual([]);
    expect(out.media).toHaveLength(1);
    const [img] = out.media;
    expect(img).toMatchObject({ kind: "image", mime: "image/png", size: PNG_1PX.length });
    expect(img?.path?.startsWith(join(rig.mediaDir, safeSegment(rig.bot.account_id), "42"))).toBe(true);
    expect(sha256(await readFile(img?.path as string))).toBe(sha256(PNG_1PX));
  });

  it("a file lands in the workspace inbox under its name; a second one of the same name is numbered", async () => {
    const body = Buffer.from("quarterly numbers\n");
    const first = await rig.send({ file: { name: "report.pdf", base64: b64(body) } });
    const a = await prepareInboundMedia(opts({ items: first.items }));
    const second = await rig.send({ file: { name: "report.pdf", base64: b64(body) } });
    const b = await prepareInboundMedia(opts({ items: second.items, inboundId: 43 }));
    expect(a.media[0]).toMatchObject({
      kind: "file",
      name: "report.pdf",
      mime: "application/pdf",
      size: body.length,
    });
    expect(a.media[0]?.path).toBe(join(rig.workspaceDir, "inbox", "report.pdf"));
    expect(b.media[0]?.path).toBe(join(rig.workspaceDir, "inbox", "report (2).pdf"));
    expect(await readFile(join(rig.workspaceDir, "inbox", "report (2).pdf"))).toEqual(body);
    expect(a.textAdditions).toContain("[file saved in the workspace as inbox/report.pdf]");
    expect(a.userNotices).toEqual([]);
  });

  it("a file name with path separators and control characters is made safe, and the user is told", async () => {
    const { items } = await rig.send({ file: { name: "../../etc/pass\u0007wd", base64: b64("x") } });
    const out = await prepareInboundMedia(opts({ items }));
    expect(out.media[0]?.name).toBe("_.._etc_passwd");
    expect(out.media[0]?.path).toBe(join(rig.workspaceDir, "inbox", "_.._etc_passwd"));
    expect(out.userNotices).toHaveLength(1);
    expect(out.userNotices[0]).toMatch(/saved it as "_\.\._etc_passwd"/);
    expect(out.userNotices[0]).not.toContain("\u0007");
  });

  it("a voice note with WeChat's transcript becomes text without any download", async () => {
    const { items } = await rig.send({ voice: { transcript: "see you at five" } });
    const before = rig.urls.length;
    const out = await prepareInboundMedia(opts({ items }));
    expect(out.media).toEqual([{ kind: "voice", transcript: "see you at five" }]);
    expect(out.userNotices).toEqual([]);
    expect(rig.urls.length).toBe(before);
  });

  it("a SILK voice note without transcript and no transcriber: SILK kept undecoded, user asked to type", async () => {
    const silk = await silkTone();
    const { items } = await rig.send({
      voice: { name: "v.silk", base64: b64(silk), playtime_ms: 1000 },
    });
    const out = await prepareInboundMedia(opts({ items }));
    expect(out.userNotices).toEqual([VOICE_FALLBACK_NOTICE]);
    expect(out.textAdditions.join("\n")).toMatch(/voice note \(1 s\) that could not be transcribed/);
    const v = out.media[0];
    // Nothing to transcribe with, so nothing is decoded: no WAV is made.
    expect(v).toMatchObject({ kind: "voice", mime: "audio/silk", name: "voice.silk", size: silk.length });
    expect(await readFile(v?.path as string)).toEqual(silk);
    expect((await readdir(dirname(v?.path as string))).filter((f) => f.endsWith(".wav"))).toEqual([]);
  });

  it("with a transcriber, the decoded WAV is transcribed and the text reaches the agent", async () => {
    const { items } = await rig.send({ voice: { name: "v.silk", base64: b64(await silkTone()) } });
    const seen: { name: string; mime: string; head: string }[] = [];
    const transcriber: Transcriber = {
      async transcribe(audio) {
        seen.push({
          name: audio.name,
          mime: audio.mime,
          head: Buffer.from(audio.bytes.subarray(0, 4)).toString(),
        });
        return "call me back";
      },
    };
    const out = await prepareInboundMedia(opts({ items, transcriber }));
    expect(seen).toEqual([{ name: "voice.wav", mime: "audio/wav", head: "RIFF" }]);
    expect(out.media[0]?.transcript).toBe("call me back");
    expect(out.textAdditions).toEqual(["[voice note, transcribed] call me back"]);
    expect(out.userNotices).toEqual([]);
  });

  it("a failing transcriber falls back to asking the user to type", async () => {
    const { items } = await rig.send({ voice: { name: "v.silk", base64: b64(await silkTone()) } });
    const transcriber: Transcriber = {
      transcribe: async () => {
        throw new Error("endpoint down");
      },
    };
    const out = await prepareInboundMedia(opts({ items, transcriber }));
    expect(out.userNotices).toEqual([VOICE_FALLBACK_NOTICE]);
  });

  it("a quoted text and a quoted image come with the message (title kept, image downloaded)", async () => {
    const t = await rig.send({ text: "the plan is on page 3" });
    const q1 = await rig.send({ text: "what plan?", quote: t.messageId });
    const a = await prepareInboundMedia(opts({ items: q1.items }));
    expect(a.quote?.text).toContain("the plan is on page 3");
    const img = await rig.send({ image: { name: "p.png", base64: b64(PNG_1PX) } });
    const q2 = await rig.send({ text: "what is this?", quote: img.messageId });
    const b = await prepareInboundMedia(opts({ items: q2.items, inboundId: 44 }));
    expect(b.quote?.media).toMatchObject({ kind: "image", mime: "image/png" });
    expect(sha256(await readFile(b.quote?.media?.path as string))).toBe(sha256(PNG_1PX));
    expect(b.media).toEqual([]);
  });

  it("a video is kept with its bytes", async () => {
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypisom"), Buffer.alloc(64, 7)]);
    const { items } = await rig.send({ video: { name: "v.mp4", base64: b64(mp4) } });
    const out = await prepareInboundMedia(opts({ items }));
    expect(out.media[0]).toMatchObject({ kind: "video", mime: "video/mp4", size: mp4.length });
    expect((await stat(out.media[0]?.path as string)).size).toBe(mp4.length);
  });

  it("reads every key encoding: image hex aeskey, base64 of raw 16 bytes, base64 of the hex string", async () => {
    const img = (await rig.send({ image: { name: "a.png", base64: b64(PNG_1PX) } })).items[0] as MessageItem;
    const key = Buffer.from(img.image_item?.aeskey as string, "hex");
    const rawForm = structuredClone(img);
    delete rawForm.image_item?.aeskey; // media.aes_key = base64(raw 16 bytes), as the simulator sends images
    expect(Buffer.from(rawForm.image_item?.media?.aes_key as string, "base64")).toHaveLength(16);
    const hexForm = structuredClone(rawForm);
    (hexForm.image_item?.media ?? {}).aes_key = b64(key.toString("hex"));
    const out = await prepareInboundMedia(opts({ items: [img, rawForm, hexForm] }));
    expect(out.userNotices).toEqual([]);
    for (const m of out.media) expect(sha256(await readFile(m.path as string))).toBe(sha256(PNG_1PX));
  });

  it("an image with no key at all is fetched as is (unencrypted)", async () => {
    const plainCdn = {
      cdnBaseUrl: "http://cdn.test/c2c",
      fetch: async () => new Response(PNG_1PX),
    };
    const item: MessageItem = { type: 2, image_item: { media: { encrypt_query_param: "P" } } };
    const out = await prepareInboundMedia(opts({ items: [item], downloader: plainCdn }));
    expect(out.media[0]).toMatchObject({ kind: "image", mime: "image/png", size: PNG_1PX.length });
  });
});
