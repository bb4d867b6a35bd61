import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readLeaseTtlMs } from "./read.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function configWith(json: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "wx-read-"));
  dirs.push(dir);
  const path = join(dir, "config.json");
  writeFileSync(path, JSON.stringify(json));
  return path;
}

describe("readLeaseTtlMs (how `status` counts live nodes)", () => {
  it("is the file's cluster.leaseTtlMs, else the fallback; a bad value is named as start names it", async () => {
    expect(await readLeaseTtlMs(configWith({ cluster: { leaseTtlMs: 9000 } }), 6000)).toBe(9000);
    expect(await readLeaseTtlMs(configWith({ gateway: {} }), 6000)).toBe(6000);
    expect(await readLeaseTtlMs(join(tmpdir(), "no-such-dir", "config.json"), 6000)).toBe(6000);
    await expect(
      readLeaseTtlMs(configWith({ cluster: { leaseTtlMs: 3000, renewMs: 2000 } }), 6000),
    ).rejects.toThrow(/renewMs must be at most a third/);
  });
});
