import { mkdtempSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureHome, resolveHome } from "./home.js";

let tmp: string | undefined;
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

describe("resolveHome", () => {
  it("prefers $WXAGENT_HOME, else ~/.wxagent", () => {
    expect(resolveHome({ WXAGENT_HOME: "/srv/wx" })).toBe("/srv/wx");
    expect(resolveHome({})).toBe(join(homedir(), ".wxagent"));
    expect(resolveHome({ WXAGENT_HOME: "  " })).toBe(join(homedir(), ".wxagent"));
  });
});

describe("ensureHome", () => {
  it("creates the home and its subdirectories as 0700 whatever the umask, and returns the paths", () => {
    tmp = mkdtempSync(join(tmpdir(), "wxagent-home-"));
    const home = join(tmp, "h");
    const old = process.umask(0o000);
    let p: ReturnType<typeof ensureHome>;
    try {
      p = ensureHome(home);
    } finally {
      process.umask(old);
    }
    expect(p).toMatchObject({
      home,
      dbPath: join(home, "wxagent.db"),
      configPath: join(home, "config.json"),
      mediaDir: join(home, "media"),
      workspacesDir: join(home, "workspaces"),
      adminTokenPath: join(home, "admin-token"),
    });
    for (const d of [p.home, p.mediaDir, p.workspacesDir, p.logsDir, p.locksDir]) {
      expect([d, statSync(d).mode & 0o777]).toEqual([d, 0o700]);
    }
  });

  it("tightens an existing, too-open home and is idempotent", () => {
    tmp = mkdtempSync(join(tmpdir(), "wxagent-home-"));
    ensureHome(tmp);
    ensureHome(tmp);
    expect(statSync(tmp).mode & 0o777).toBe(0o700);
  });
});
