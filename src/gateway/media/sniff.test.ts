import { describe, expect, it } from "vitest";
import { sendKindFor, sniffBytes } from "./sniff.js";

const b = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));

describe("sniffBytes", () => {
  it("recognises images by magic bytes", () => {
    expect(sniffBytes(b([0x89], "PNG\r\n\x1a\n", [0, 0]))?.mime).toBe("image/png");
    expect(sniffBytes(b([0xff, 0xd8, 0xff, 0xe0])))?.toEqual({ mime: "image/jpeg", kind: "image" });
    expect(sniffBytes(b("GIF89a", [1, 0]))?.mime).toBe("image/gif");
    expect(sniffBytes(b("RIFF", [1, 2, 3, 4], "WEBPVP8 "))?.mime).toBe("image/webp");
  });

  it("recognises mp4 and QuickTime by their ftyp brand", () => {
    expect(sniffBytes(b([0, 0, 0, 0x20], "ftypisom", [0, 0, 2, 0]))).toEqual({
      mime: "video/mp4",
      kind: "video",
    });
    expect(sniffBytes(b([0, 0, 0, 0x14], "ftypqt  ", [0, 0, 0, 0]))).toEqual({
      mime: "video/quicktime",
      kind: "video",
    });
    expect(sniffBytes(b([0, 0, 0, 0x14], "ftypheic", [0, 0, 0, 0]))).toBeUndefined();
  });

  it("returns undefined for text and unknown bytes", () => {
    expect(sniffBytes(b("hello world, this is text"))).toBeUndefined();
    expect(sniffBytes(b([]))).toBeUndefined();
  });
});

describe("sendKindFor: content decides, the extension only names a file's MIME", () => {
  it("an image with a wrong extension still goes as an image", () => {
    expect(sendKindFor(b([0x89], "PNG\r\n\x1a\n"), "chart.dat")).toEqual({
      mime: "image/png",
      kind: "image",
    });
  });
  it("a .png that is not an image goes as a file", () => {
    expect(sendKindFor(b("not really a png"), "fake.png")).toEqual({
      mime: "application/octet-stream",
      kind: "file",
    });
  });
  it("audio goes as a file, documents keep their MIME", () => {
    expect(sendKindFor(b("ID3\x04"), "song.mp3")).toEqual({ mime: "audio/mpeg", kind: "file" });
    expect(sendKindFor(b("%PDF-1.7"), "a.pdf")).toEqual({ mime: "application/pdf", kind: "file" });
  });
});
