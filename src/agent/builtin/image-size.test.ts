import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { imageSize } from "./image-size.js";
import { loadImages } from "./vision.js";

/** A valid PNG header (signature + IHDR) claiming `w`×`h`, with a small IDAT of zeros. */
function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, "latin1"), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(64 * 1024))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function jpeg(w: number, h: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from("JFIF\0"), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    8,
    h >> 8,
    h & 255,
    w >> 8,
    w & 255,
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

function gif(w: number, h: number): Buffer {
  const b = Buffer.alloc(13);
  b.write("GIF89a", 0, "latin1");
  b.writeUInt16LE(w, 6);
  b.writeUInt16LE(h, 8);
  return b;
}

function webpVp8x(w: number, h: number): Buffer {
  const b = Buffer.alloc(30);
  b.write("RIFF", 0, "latin1");
  b.writeUInt32LE(22, 4);
  b.write("WEBPVP8X", 8, "latin1");
  b.writeUInt32LE(10, 16);
  b.writeUIntLE(w - 1, 24, 3);
  b.writeUIntLE(h - 1, 27, 3);
  return b;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wxagent-image-size-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("image size from the header", () => {
  it("reads PNG, JPEG, GIF and WebP dimensions without decoding", () => {
    expect(imageSize(png(640, 480))).toEqual({ width: 640, height: 480 });
    expect(imageSize(jpeg(4032, 3024))).toEqual({ width: 4032, height: 3024 });
    expect(imageSize(gif(10, 20))).toEqual({ width: 10, height: 20 });
    expect(imageSize(webpVp8x(16383, 2))).toEqual({ width: 16383, height: 2 });
    expect(imageSize(Buffer.from("not an image"))).toBeUndefined();
  });

  it("a small PNG claiming 100 000 × 100 000 pixels is not handed to the model", async () => {
    const bomb = png(100_000, 100_000);
    expect(bomb.length).toBeLessThan(1000);
    const path = join(dir, "bomb.png");
    await writeFile(path, bomb);
    const ok = join(dir, "ok.jpg");
    await writeFile(ok, jpeg(4032, 3024));
    const out = await loadImages(
      [
        { path, mime: "image/png", label: "the image inbox/bomb.png" },
        { path: ok, mime: "image/jpeg", label: "the image inbox/ok.jpg" },
      ],
      { maxBytes: 5_000_000, maxCount: 4 },
    );
    expect(out.notes).toEqual([
      "[the image inbox/bomb.png is not shown to you as an image: 100000×100000 pixels is over the 50 megapixel limit]",
    ]);
    expect(out.parts).toHaveLength(1);
    expect(out.parts[0]).toMatchObject({ mediaType: "image/jpeg" });
  });
});
