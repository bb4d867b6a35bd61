import { describe, expect, it } from "vitest";
import { isApproval, offeredTools, PRESETS, permissionsConfigSchema, resolvePreset } from "./presets.js";
import type { Contact } from "./types.js";
import {
  handleLock,
  handleUnlock,
  memoryUnlockStore,
  unlockCommands,
  unlockStoreFromContacts,
} from "./unlock.js";

const owner: Contact = { accountId: "a", userId: "owner@im.wechat", isOwner: true };
const alice: Contact = { accountId: "a", userId: "alice@im.wechat", isOwner: false };
const bob: Contact = { accountId: "a", userId: "bob@im.wechat", isOwner: false };

describe("presets", () => {
  it("are data: read-only denies every write and command", () => {
    expect(offeredTools(PRESETS["read-only"])).toEqual(["list", "read", "search"]);
    expect(PRESETS["workspace-write"].run_command).toBe("ask");
    expect(PRESETS["workspace-write"].fetch_url).toBe("ask");
    expect(Object.values(PRESETS.full).every((p) => p === "allow")).toBe(true);
  });

  it("defaults: owner full, allowlist workspace-write, everyone else read-only", () => {
    const config = permissionsConfigSchema.parse({ allowlist: [alice.userId] });
    expect(resolvePreset(owner, config).name).toBe("full");
    expect(resolvePreset(alice, config).name).toBe("workspace-write");
    expect(resolvePreset(bob, config).name).toBe("read-only");
  });

  it("per contact beats allowlist; allowlist beats the group; an assigned preset beats both", () => {
    const config = permissionsConfigSchema.parse({
      owner: "workspace-write",
      allowlist: [alice.userId],
      contacts: { [alice.userId]: "full" },
      groups: { g1: "workspace-write" },
    });
    expect(resolvePreset(owner, config).name).toBe("workspace-write");
    expect(resolvePreset(alice, config).name).toBe("full");
    expect(resolvePreset({ ...bob, groupId: "g1" }, config).name).toBe("workspace-write");
    expect(resolvePreset({ ...bob, groupId: "g2" }, config).name).toBe("read-only");
    expect(resolvePreset(bob, config, { assigned: "full" }).name).toBe("full");
    expect(resolvePreset(bob, config, { assigned: "nonsense" }).name).toBe("read-only");
  });

  it("with unlock configured, a non-owner stays read-only until unlocked, and again after expiry", () => {
    const config = permissionsConfigSchema.parse({
      allowlist: [alice.userId],
      unlock: { passphrase: "open sesame" },
    });
    const locked = resolvePreset(alice, config, { nowMs: 1000 });
    expect(locked.name).toBe("read-only");
    expect(locked.locked).toEqual({ wanted: "workspace-write" });
    expect(resolvePreset(alice, config, { nowMs: 1000, unlockedUntilMs: 2000 }).name).toBe("workspace-write");
    expect(resolvePreset(alice, config, { nowMs: 2000, unlockedUntilMs: 2000 }).name).toBe("read-only");
    expect(resolvePreset(owner, config, { nowMs: 1000 }).name).toBe("full");
  });

  it("approves only on an explicit yes", () => {
    for (const yes of ["y", "Y", " yes ", "是", "好", "好的"]) expect(isApproval(yes)).toBe(true);
    for (const no of ["n", "no", "不", "", "yes please do rm -rf", undefined])
      expect(isApproval(no)).toBe(false);
  });
});

describe("handleUnlock", () => {
  const config = permissionsConfigSchema.parse({
    allowlist: [alice.userId],
    unlock: { passphrase: "open sesame", durationMs: 30 * 60_000, maxFailures: 3, lockoutMs: 60_000 },
  });

  it("unlocks for the configured time with the right passphrase, never echoing it", async () => {
    const store = memoryUnlockStore();
    const r = await handleUnlock(alice, "open sesame", store, config, { nowMs: 0 });
    expect(r.ok).toBe(true);
    expect(r.unlockedUntilMs).toBe(30 * 60_000);
    expect(r.message).not.toContain("sesame");
    const unlockedUntilMs = (await store.get(alice))?.unlockedUntilMs;
    expect(resolvePreset(alice, config, { nowMs: 1, unlockedUntilMs }).name).toBe("workspace-write");
    expect((await handleUnlock(alice, "", store, config, { nowMs: 60_000 })).message).toMatch(
      /29 minutes more/,
    );
    await handleLock(alice, store);
    expect((await store.get(alice))?.unlockedUntilMs).toBeUndefined();
  });

  it("refuses a wrong passphrase and locks out after repeated failures", async () => {
    const store = memoryUnlockStore();
    for (let i = 0; i < 3; i++)
      expect((await handleUnlock(alice, "guess", store, config, { nowMs: 0 })).ok).toBe(false);
    const during = await handleUnlock(alice, "open sesame", store, config, { nowMs: 1000 });
    expect(during.ok).toBe(false);
    expect(during.message).toMatch(/Too many/);
    expect((await handleUnlock(alice, "open sesame", store, config, { nowMs: 61_000 })).ok).toBe(true);
  });

  it("counts wrong passphrases sent at once one by one through unlockCommands", async () => {
    const store = memoryUnlockStore();
    const hook = unlockCommands(store, config, { now: () => 0 });
    const answers = await Promise.all([1, 2, 3].map(() => hook.unlock(alice, "guess")));
    expect(answers.map((a) => a.reply)).toEqual([
      "Wrong passphrase.",
      "Wrong passphrase.",
      "Wrong passphrase.",
    ]);
    expect(answers.map((a) => a.ownerNotice !== undefined)).toEqual([false, false, true]);
    expect(answers[2]?.ownerNotice).toMatch(/3 wrong passphrases/);
    expect((await store.get(alice))?.lockedOutUntilMs).toBe(60_000);
  });

  it("reads the passphrase from the environment and persists state in contact settings", async () => {
    const envConfig = permissionsConfigSchema.parse({ unlock: { passphraseEnv: "WX_UNLOCK" } });
    const rows = new Map<string, Record<string, unknown>>([[alice.userId, { other: 1 }]]);
    const store = unlockStoreFromContacts({
      get: async (_a, u) => (rows.has(u) ? { settings: rows.get(u) ?? {} } : undefined),
      updateSettings: async (_a, u, change) => void rows.set(u, change(rows.get(u) ?? {})),
    });
    const r = await handleUnlock(alice, "from-env", store, envConfig, {
      nowMs: 0,
      env: { WX_UNLOCK: "from-env" },
    });
    expect(r.ok).toBe(true);
    expect(rows.get(alice.userId)).toEqual({
      other: 1,
      unlock: { unlockedUntilMs: 30 * 60_000, failures: 0 },
    });
    expect((await handleUnlock(owner, "x", store, envConfig)).ok).toBe(true);
    expect((await handleUnlock(alice, "x", store, permissionsConfigSchema.parse({}))).ok).toBe(false);
  });
});
