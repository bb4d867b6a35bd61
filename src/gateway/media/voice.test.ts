import { encode } from "silk-wasm";
import { describe, expect, it } from "vitest";
import { looksLikeSilk, pcmToWav, silkToWav } from "./voice.js";

describe("SILK → WAV", () => {
  it("decodes an encoded tone into a valid 24 kHz mono 16-bit WAV with real audio", async () => {
    const pcm = Buffer.alloc(24_000 * 2 * 1.5);
    for (let i = 0; i < pcm.length / 2; i++)
      pcm.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 300 * i) / 24_000)), i * 2);
    const silk = Buffer.from((await encode(pcm, 24_000)).data);
    expect(silk.subarray(0, 10).toString("latin1")).toBe("\x02#!SILK_V3");
    expect(looksLikeSilk(silk)).toBe(true);

    const { wav, durationMs } = await silkToWav(silk);
    expect(durationMs).toBeGreaterThanOrEqual(1400);
    expect(wav.subarray(0, 4).toString()).toBe("RIFF");
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.subarray(8, 16).toString()).toBe("WAVEfmt ");
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt16LE(22)).toBe(1); // mono
    expect(wav.readUInt32LE(24)).toBe(24_000);
    expect(wav.readUInt32LE(28)).toBe(48_000);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.subarray(36, 40).toString()).toBe("data");
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    let sum = 0;
    for (let off = 44; off < wav.length; off += 2) sum += Math.abs(wav.readInt16LE(off));
    expect(sum / ((wav.length - 44) / 2)).toBeGreaterThan(1000); // a tone, not silence
  });

  it("refuses what is not SILK with a typed error", async () => {
    await expect(silkToWav(Buffer.from("#!AMR\n"))).rejects.toMatchObject({ code: "VOICE_DECODE_FAILED" });
  });

  it("pcmToWav writes a 44-byte header", () => {
    const wav = pcmToWav(Buffer.alloc(10), 16_000);
    expect(wav.length).toBe(54);
    expect(wav.readUInt32LE(24)).toBe(16_000);
  });
});
