import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtinAgentConfigSchema } from "../agent/builtin/index.js";
import { workspaceDirFor } from "../agent/workspace.js";
import { configSchema } from "../config/index.js";
import { homePaths } from "../store/index.js";
import { openStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { createRootLogger } from "../util/logger.js";
import {
  mediaWiring,
  migrateWorkspaces,
  retentionFrom,
  unlockWiring,
  workspaceLocation,
} from "./gateway-wiring.js";

let store: Store;
beforeEach(() => {
  store = openStore(":memory:");
});
afterEach(() => {
  store.close();
});

const paths = homePaths("/srv/wx");
const contact = { accountId: "acct", userId: "u@im.wechat", isOwner: false };

describe("unlockWiring", () => {
  it("unlocks with the configured passphrase, keeps the state on the contact record, and /lock ends it", async () => {
    store.contacts.see(contact.accountId, contact.userId, Date.now());
    const hook = unlockWiring(
      configSchema.parse({ permissions: { unlock: { passphrase: "open sesame" } } }),
      store,
    );
    expect(await hook.unlock(contact, "not it")).toEqual({ reply: "Wrong passphrase." });
    const ok = await hook.unlock(contact, "open sesame");
    expect(ok).toEqual({ reply: "Unlocked for 30 minutes." });
    const unlock = store.contacts.get(contact.accountId, contact.userId)?.settings.unlock as {
      unlockedUntilMs?: number;
    };
    expect(unlock.unlockedUntilMs).toBeGreaterThan(Date.now());
    expect(await hook.lock(contact)).toBe("Locked.");
    expect(store.contacts.get(contact.accountId, contact.userId)?.settings.unlock).toEqual({ failures: 0 });
  });

  it("uses builtin.permissions when there is no top-level permissions section", async () => {
    const config = configSchema.parse({
      builtin: { provider: "openai-compatible", baseUrl: "http://127.0.0.1:1/v1", model: "m" },
    });
    expect(await unlockWiring(config, store).unlock(contact, "anything")).toEqual({
      reply: "Unlocking is not enabled for this bot.",
    });
  });
});

describe("mediaWiring", () => {
  it("passes the limits and reply bubbles from config and puts workspaces where the agent keeps them", () => {
    const config = configSchema.parse({ media: { limits: { maxImageBytes: 1024 }, maxReplyBubbles: 3 } });
    const w = mediaWiring(config, paths, { kind: "echo", why: "test" });
    expect(w.transport.mediaLimits).toEqual({ maxImageBytes: 1024 });
    expect(w.dispatch).toMatchObject({ mediaLimits: { maxImageBytes: 1024 }, maxReplyBubbles: 3 });
    expect(w.dispatch.workspaceDirFor?.(contact)).toMatch(
      /^\/srv\/wx\/workspaces\/acct-[0-9a-f]{8}\/u_im\.wechat-[0-9a-f]{8}$/,
    );
    const builtin = builtinAgentConfigSchema.parse({
      provider: "openai-compatible",
      baseUrl: "http://127.0.0.1:1/v1",
      model: "m",
      workspace: { root: "/data/ws", ownerDir: "/home/me/project" },
    });
    expect(workspaceLocation(paths, { kind: "builtin", why: "test", builtin })).toEqual({
      home: "/srv/wx",
      root: "/data/ws",
      ownerDir: "/home/me/project",
    });
  });

  it("names a missing transcription key variable, and exposes only the endpoint's host", () => {
    const config = configSchema.parse({
      media: {
        transcription: { baseUrl: "https://stt.example.com/v1", model: "whisper-1", apiKeyEnv: "WX_STT_KEY" },
      },
    });
    expect(() => mediaWiring(config, paths, { kind: "echo", why: "test" }, {})).toThrow(
      /WX_STT_KEY.*not set/,
    );
    const w = mediaWiring(config, paths, { kind: "echo", why: "test" }, { WX_STT_KEY: "sk-very-secret" });
    expect(w.transcriptionHost).toBe("stt.example.com");
  });

  it("rejects an unknown media key, naming it", () => {
    const r = configSchema.safeParse({ media: { maxReplyBubble: 3 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("maxReplyBubble");
  });
});

describe("retentionFrom", () => {
  it("keeps 30 days and 100 000 messages by default, and 0 turns a limit off", () => {
    expect(retentionFrom(configSchema.parse({}).history)).toEqual({
      maxAgeMs: 30 * 24 * 60 * 60 * 1000,
      maxMessagesPerAccount: 100_000,
    });
    const off = configSchema.parse({ history: { retentionDays: 0, maxMessagesPerAccount: 0 } }).history;
    expect(retentionFrom(off)).toEqual({ maxAgeMs: 0, maxMessagesPerAccount: 0 });
    expect(() => configSchema.parse({ history: { retentionDay: 3 } })).toThrow(/retentionDay/);
  });
});

describe("migrateWorkspaces", () => {
  it("moves the old-rule folders of the store's accounts and contacts to their new names before start", async () => {
    const home = await mkdtemp(join(tmpdir(), "wxagent-migrate-"));
    try {
      const p = homePaths(home);
      store.accounts.upsert({
        id: "plain-acct",
        baseUrl: "http://x",
        cdnBaseUrl: "http://x/c2c",
        token: "t",
        state: "active",
      });
      store.contacts.see("plain-acct", "plain-user", Date.now());
      const old = join(p.workspacesDir, "plain-acct", "plain-user");
      await mkdir(old, { recursive: true });
      await writeFile(join(old, "notes.txt"), "kept");
      await migrateWorkspaces(store, p, { kind: "echo", why: "test" }, createRootLogger(undefined, "silent"));
      const now = workspaceDirFor(
        { accountId: "plain-acct", userId: "plain-user", isOwner: false },
        { home },
      );
      expect(now).not.toBe(old);
      expect(await readFile(join(now, "notes.txt"), "utf8")).toBe("kept");
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
