/**
 * Issue 14, High 4: a 1 MB SILK note of empty packets decodes to a 480 MB WAV (2 GB RSS, a 20 s
 * stall, written twice). Now the packets are counted first and a note over `maxVoiceMs` is refused
 * before the decoder runs; a note is decoded only to be transcribed, in a worker, abortable.
 */
import os from "node:os";
import { encode } from "silk-wasm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { prepareInboundMedia } from "./inbound.js";
import { silkInfo } from "./silk.js";
import * as worker from "./silk-worker.js";
import { b64, filesUnder, type SimRig, simRig } from "./sim.test-util.js";
import type { Transcriber } from "./transcribe.js";
import { silkToWav } from "./voice.js";

vi.mock("./silk-worker.js", { spy: true });

/** 1 MiB: Tencent's SILK header, then nothing but 0-byte packets (each one a 20 ms frame). */
function emptyFrameBomb(bytes = 1 << 20): Buffer {
  const b = Buffer.alloc(bytes);
  b.write("\x02#!SILK_V3", 0, "latin1");
  return b;
}

async function silkTone(seconds: number): Promise<Buffer> {
  const pcm = Buffer.alloc(24_000 * 2 * seconds);
  for (let i = 0; i < pcm.length / 2; i++)
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24_000)), i * 2);
  return Buffer.from((await encode(pcm, 24_000)).data);
}

const transcriber = (): Transcriber & { calls: number } => ({
  calls: 0,
  async transcribe() {
    this.calls++;
    return "hello";
  },
});

let rig: SimRig;
beforeEach(async () => {
  rig = await simRig();
  vi.mocked(worker.decodeSilkInWorker).mockClear();
});
afterEach(async () => {
  await rig.close();
});

describe("SILK decompression bomb", () => {
  it("the container is measured without decoding: 1 MiB of empty packets claims 175 minutes", () => {
    const info = silkInfo(emptyFrameBomb());
    expect(info.packets).toBe(((1 << 20) - 10) / 2);
    expect(info.emptyPackets).toBe(info.packets);
    expect(info.durationMs).toBe(info.packets * 20);
  });

  it("silkToWav refuses it before the decoder is started", async () => {
    await expect(silkToWav(emptyFrameBomb())).rejects.toMatchObject({ code: "VOICE_TOO_LONG" });
    await expect(silkToWav(await silkTone(2), { maxVoiceMs: 1000 })).rejects.toMatchObject({
      code: "VOICE_TOO_LONG",
    });
    expect(worker.decodeSilkInWorker).not.toHaveBeenCalled();
  });

  it("through the simulator: refused with a clear notice, never transcribed, nothing big kept", async () => {
    const stt = transcriber();
    const { items } = await rig.send({ voice: { name: "v.silk", base64: b64(emptyFrameBomb()) } });
    const out = await prepareInboundMedia({
      accountId: rig.bot.account_id,
      inboundId: 1,
      items,
      workspaceDir: rig.workspaceDir,
      mediaDir: rig.mediaDir,
      downloader: rig.client,
      transcriber: stt,
    });
    expect(out.userNotices).toEqual([
      "The voice note is longer than 1 min (it lasts 175 min), so I did not listen to it. Please send a shorter one, or type it.",
    ]);
    expect(out.media).toEqual([{ kind: "voice", error: out.userNotices[0] }]);
    expect(out.textAdditions.join("\n")).toMatch(/voice note was not listened to/);
    expect(stt.calls).toBe(0);
    expect(worker.decodeSilkInWorker).not.toHaveBeenCalled();
    expect(await filesUnder(rig.mediaDir)).toEqual([]);
    expect(await filesUnder(rig.workspaceDir)).toEqual([]);
  });

  it("a note whose message claims more than the limit is refused without a download", async () => {
    const { items } = await rig.send({
      voice: { name: "v.silk", base64: b64(await silkTone(1)), playtime_ms: 10 * 60_000 },
    });
    const before = rig.urls.length;
    const out = await prepareInboundMedia({
      accountId: rig.bot.account_id,
      inboundId: 2,
      items,
      workspaceDir: rig.workspaceDir,
      mediaDir: rig.mediaDir,
      downloader: rig.client,
      limits: { maxVoiceMs: 30_000 },
    });
    expect(out.userNotices[0]).toMatch(/^The voice note is longer than 30 s \(it lasts 10 min\)/);
    expect(rig.urls.length).toBe(before);
  });

  it("a note within the limit is decoded in a worker (other work runs meanwhile) and transcribed", async () => {
    const stt = transcriber();
    const { items } = await rig.send({ voice: { name: "v.silk", base64: b64(await silkTone(3)) } });
    const order: string[] = [];
    // Another contact's work, queued the moment the decode begins: it runs first only if the
    // decode leaves the event loop free (a decode on the loop would finish before it).
    const real = await vi.importActual<typeof worker>("./silk-worker.js");
    vi.mocked(worker.decodeSilkInWorker).mockImplementationOnce((...args) => {
      const decoding = real.decodeSilkInWorker(...args).then((r) => {
        order.push("decode done");
        return r;
      });
      setImmediate(() => order.push("other contact"));
      return decoding;
    });
    const running = prepareInboundMedia({
      accountId: rig.bot.account_id,
      inboundId: 3,
      items,
      workspaceDir: rig.workspaceDir,
      mediaDir: rig.mediaDir,
      downloader: rig.client,
      transcriber: stt,
    }).then((out) => {
      order.push("voice done");
      return out;
    });
    const out = await running;
    expect(worker.decodeSilkInWorker).toHaveBeenCalledTimes(1);
    expect(order).toEqual(["other contact", "decode done", "voice done"]);
    expect(out.media[0]).toMatchObject({ kind: "voice", transcript: "hello", mime: "audio/silk" });
    expect(stt.calls).toBe(1);
    // The WAV went to the endpoint from memory; only the SILK that arrived is on disk.
    expect((await filesUnder(rig.mediaDir)).map((f) => f.name.replace(/^.*\//, ""))).toEqual([
      "0-voice.silk",
    ]);
  });

  it.skipIf(process.platform !== "linux")(
    "decodes at a lower priority than the event loop (Linux: the thread's own nice value)",
    async () => {
      const out = await worker.decodeSilkInWorker(await silkTone(1), { sampleRate: 24_000 });
      expect(out.durationMs).toBeGreaterThan(900);
      expect(out.nice).toBe(Math.max(worker.DECODE_NICE, os.getPriority()));
      // The gateway's own thread keeps its priority.
      expect(os.getPriority()).toBeLessThan(worker.DECODE_NICE);
    },
  );

  it("the decode stops when the turn is aborted", async () => {
    const ac = new AbortController();
    const decoding = worker.decodeSilkInWorker(await silkTone(3), { sampleRate: 24_000, signal: ac.signal });
    // Aborted once the worker is running (it is created right after the call's first await).
    setImmediate(() => ac.abort(new Error("stopped by the user")));
    await expect(decoding).rejects.toThrow(/stopped by the user/);
  });
});
