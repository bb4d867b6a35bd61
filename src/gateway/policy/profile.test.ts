import { describe, expect, it } from "vitest";
import { profileResolver, profileSchema, profilesConfigSchema, resolveProfile } from "./profile.js";

describe("profileSchema", () => {
  it("accepts a full profile and rejects unknown keys and bad policies", () => {
    const ok = profileSchema.parse({
      agent: "builtin",
      preset: "read-only",
      dmPolicy: "allowlist",
      groupPolicy: "open",
      allowFrom: ["u1"],
      groups: { allow: ["g1"] },
      mentionNames: ["@helper"],
      prefixes: ["/ai"],
      rateLimit: { perContact: { count: 3, windowMs: 10_000 } },
    });
    expect(ok.dmPolicy).toBe("allowlist");
    expect(profileSchema.safeParse({ dmPolicy: "everyone" }).success).toBe(false);
    expect(profileSchema.safeParse({ allowfrom: ["u1"] }).success).toBe(false);
    expect(profileSchema.safeParse({ rateLimit: { perContact: { count: 0, windowMs: 1000 } } }).success).toBe(
      false,
    );
  });

  it("validates the defaults and accounts blocks together", () => {
    const parsed = profilesConfigSchema.parse({
      defaults: { dmPolicy: "pairing" },
      accounts: { "bot-a": { dmPolicy: "open" } },
    });
    expect(parsed.accounts?.["bot-a"]?.dmPolicy).toBe("open");
    expect(profilesConfigSchema.safeParse({ accounts: { "bot-a": { groupPolicy: "some" } } }).success).toBe(
      false,
    );
  });
});

describe("resolveProfile", () => {
  it("fills built-in defaults when nothing is configured", () => {
    const p = resolveProfile({}, "a1");
    expect(p).toMatchObject({
      accountId: "a1",
      agent: undefined,
      dmPolicy: "pairing",
      groupPolicy: "disabled",
      allowFrom: [],
      groupAllow: [],
      rateLimit: {
        perContact: { count: 10, windowMs: 60_000 },
        perAccount: { count: 120, windowMs: 60_000 },
      },
    });
  });

  it("merges top-level agent ← defaults ← account ← CLI overrides, key by key", () => {
    const config = {
      agent: "echo" as const,
      defaults: {
        preset: "read-only",
        allowFrom: ["d1", "d2"],
        groups: { allow: ["g-default"] },
        rateLimit: {
          perContact: { count: 5, windowMs: 30_000 },
          perAccount: { count: 50, windowMs: 60_000 },
        },
      },
      accounts: {
        admin: {
          agent: "builtin" as const,
          preset: "full",
          allowFrom: ["boss"],
          rateLimit: { perContact: { count: 100, windowMs: 60_000 } },
        },
      },
    };
    const admin = resolveProfile(config, "admin");
    expect(admin.agent).toBe("builtin");
    expect(admin.preset).toBe("full");
    // Arrays are replaced, not merged: the admin bot's list is its own.
    expect(admin.allowFrom).toEqual(["boss"]);
    expect(admin.groupAllow).toEqual(["g-default"]);
    // rateLimit merges one level deep.
    expect(admin.rateLimit.perContact).toEqual({ count: 100, windowMs: 60_000 });
    expect(admin.rateLimit.perAccount).toEqual({ count: 50, windowMs: 60_000 });

    const other = resolveProfile(config, "support");
    expect(other.agent).toBe("echo");
    expect(other.preset).toBe("read-only");
    expect(other.allowFrom).toEqual(["d1", "d2"]);

    const forced = resolveProfile(config, "admin", { dmPolicy: "disabled", agent: "acp" });
    expect(forced.dmPolicy).toBe("disabled");
    expect(forced.agent).toBe("acp");
  });

  it("profileResolver caches per account", () => {
    const resolve = profileResolver({ accounts: { a: { dmPolicy: "open" } } });
    expect(resolve("a")).toBe(resolve("a"));
    expect(resolve("a").dmPolicy).toBe("open");
    expect(resolve("b").dmPolicy).toBe("pairing");
  });
});
