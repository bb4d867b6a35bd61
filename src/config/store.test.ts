import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "./load.js";
import { storeSetting } from "./store.js";

let dir: string | undefined;
function configWith(value: unknown): string {
  dir = mkdtempSync(join(tmpdir(), "wxagent-store-setting-"));
  const path = join(dir, "config.json");
  writeFileSync(path, JSON.stringify(value));
  return path;
}
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("the store setting", () => {
  it('is SQLite by default and for "sqlite"', () => {
    expect(storeSetting(join(tmpdir(), "no-such-dir", "config.json"), {})).toEqual({ kind: "sqlite" });
    expect(storeSetting(configWith({ store: "sqlite" }), {})).toEqual({ kind: "sqlite" });
  });

  it("reads a PostgreSQL URL from config.json; WXAGENT_STORE wins over it", () => {
    const path = configWith({ store: "postgres://a@h/db" });
    expect(storeSetting(path, {})).toMatchObject({ kind: "postgres", url: "postgres://a@h/db" });
    expect(storeSetting(path, { WXAGENT_STORE: "sqlite" })).toEqual({ kind: "sqlite" });
    expect(storeSetting(path, { WXAGENT_STORE: "postgresql://b@h/db" })).toMatchObject({
      url: "postgresql://b@h/db",
      from: "WXAGENT_STORE",
    });
  });

  it("refuses anything else, in the schema too", () => {
    const path = configWith({ store: "mysql://h/db" });
    expect(() => storeSetting(path, {})).toThrow(/expected "sqlite" or a postgres:\/\/ URL/);
    expect(() => loadConfig(path)).toThrow(/store: expected "sqlite" or a postgres:\/\/ URL/);
    expect(loadConfig(configWith({ store: "postgres://h/db" })).store).toBe("postgres://h/db");
  });
});
