/** What both browser tests share: Debian's chromium, the screenshot folder, a generated PNG. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { type Browser, chromium } from "playwright-core";

/** Debian's chromium, which `.ci/run` installs; never a browser downloaded by playwright. */
export const CHROMIUM = "/usr/bin/chromium";
export const SHOTS = join(process.cwd(), "test-results", "screenshots");
export const hasChromium = existsSync(CHROMIUM);

export function warnIfNoChromium(suite: string): void {
  if (!hasChromium)
    console.warn(`${suite} browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
}

/** Headless chromium with the flags this closed network needs (no background connections). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** A width×height PNG with a green-to-blue gradient, built here so the tests need no fixture file. */
export function gradientPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      rows.set(
        [7, Math.round(193 - (x / width) * 120), Math.round(96 + (y / height) * 150)],
        y * (width * 3 + 1) + 1 + x * 3,
      );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
