import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./load.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function withConfig(value: unknown): string {
  dir = mkdtempSync(join(tmpdir(), "wxagent-config-"));
  const path = join(dir, "config.json");
  writeFileSync(path, JSON.stringify(value));
  return path;
}

describe("loadConfig: gateway settings", () => {
  it("has no turn time limit unless one is set", () => {
    expect(loadConfig(join(tmpdir(), "wxagent-no-such-config.json")).gateway.turnTimeoutMs).toBeUndefined();
    expect(loadConfig(withConfig({ gateway: { turnTimeoutMs: 600_000 } })).gateway.turnTimeoutMs).toBe(
      600_000,
    );
  });

  it("refuses a turn time limit under a second, naming the setting and the file", () => {
    const path = withConfig({ gateway: { turnTimeoutMs: 50 } });
    expect(() => loadConfig(path)).toThrow(ConfigError);
    expect(() => loadConfig(path)).toThrow(/gateway\.turnTimeoutMs: .*1000/);
    expect(() => loadConfig(path)).toThrow(path);
  });
});
