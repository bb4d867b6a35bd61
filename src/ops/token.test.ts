import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { homePaths } from "../store/home.js";
import { bearerMatches, ensureAdminToken } from "./token.js";

describe("admin token", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const home = () => {
    const d = mkdtempSync(join(tmpdir(), "wxagent-token-"));
    dirs.push(d);
    return homePaths(d);
  };

  it("is created once, mode 0600, and then reused", () => {
    const paths = home();
    const first = ensureAdminToken(paths);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(paths.adminTokenPath).mode & 0o777).toBe(0o600);
    expect(ensureAdminToken(paths)).toBe(first);
    expect(readFileSync(paths.adminTokenPath, "utf8").trim()).toBe(first);
  });

  it("replaces an empty or too short file, and tightens a loose mode", () => {
    const paths = home();
    writeFileSync(paths.adminTokenPath, "short\n", { mode: 0o644 });
    const token = ensureAdminToken(paths);
    expect(token).not.toBe("short");
    writeFileSync(paths.adminTokenPath, "a-long-enough-token-kept-as-is\n", { mode: 0o644 });
    expect(ensureAdminToken(paths)).toBe("a-long-enough-token-kept-as-is");
    expect(statSync(paths.adminTokenPath).mode & 0o777).toBe(0o600);
  });

  it("matches only the exact bearer token", () => {
    expect(bearerMatches("Bearer abc123", "abc123")).toBe(true);
    expect(bearerMatches("bearer abc123", "abc123")).toBe(true);
    expect(bearerMatches("Bearer abc1234", "abc123")).toBe(false);
    expect(bearerMatches("abc123", "abc123")).toBe(false);
    expect(bearerMatches(undefined, "abc123")).toBe(false);
    expect(bearerMatches("Bearer ", "")).toBe(false);
  });
});
