import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AsyncStore, asyncStore } from "../../store/async.js";
import { openStore } from "../../store/sqlite.js";
import { isPolicyError } from "./errors.js";
import {
  approvePairing,
  contactAccess,
  denyPairing,
  evictOldestPairing,
  generatePairingCode,
  issuePairingCode,
  listPairingRequests,
  nextPairingStep,
  normalizePairingCode,
  PAIRING_ALPHABET,
  PAIRING_ROUND_MS,
  PAIRING_TTL_MS,
  setContactAccess,
} from "./pairing.js";

let store: AsyncStore;
beforeEach(() => {
  store = asyncStore(openStore(":memory:"));
});
afterEach(() => store.close());

async function codeError(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (err) {
    return isPolicyError(err) ? err.code : `not a PolicyError: ${String(err)}`;
  }
  return undefined;
}

describe("pairing codes", () => {
  it("are 6 characters from an alphabet without look-alikes", () => {
    for (let i = 0; i < 200; i += 1) {
      const code = generatePairingCode();
      expect(code).toMatch(/^[A-Z2-9]{6}$/);
      expect(code).not.toMatch(/[01OIL]/);
    }
    expect(PAIRING_ALPHABET).not.toMatch(/[01OIL]/);
  });

  it("normalizePairingCode trims and upper-cases, and rejects what cannot be a code", async () => {
    expect(normalizePairingCode("  abc234 ")).toBe("ABC234");
    expect(await codeError(() => normalizePairingCode("ABC12"))).toBe("PAIRING_CODE_INVALID");
    expect(await codeError(() => normalizePairingCode("ABCDE0"))).toBe("PAIRING_CODE_INVALID");
  });
});

describe("nextPairingStep", () => {
  it("first code, silence while valid, one reminder, silence, new round after a day", () => {
    expect(nextPairingStep({}, 0)).toEqual({ step: "send-code", kind: "first" });
    const first = {
      access: "pending" as const,
      pairingExpiresAtMs: 100,
      pairingRequestedAtMs: 0,
      pairingCodesSent: 1,
    };
    expect(nextPairingStep(first, 50)).toEqual({ step: "wait", why: "code-valid" });
    expect(nextPairingStep(first, 100)).toEqual({ step: "send-code", kind: "reminder" });
    const second = { ...first, pairingExpiresAtMs: 300, pairingCodesSent: 2 };
    expect(nextPairingStep(second, 400)).toEqual({ step: "wait", why: "codes-used" });
    expect(nextPairingStep(second, PAIRING_ROUND_MS)).toEqual({ step: "send-code", kind: "first" });
  });
});

describe("operator functions on a real store", () => {
  it("list → approve makes the contact allowed and keeps its other settings", async () => {
    await store.contacts.updateSettings("a1", "u1", () => ({ unlock: { failures: 1 } }));
    const issued = await issuePairingCode(store, "a1", "u1", "first", 1000);
    await issuePairingCode(store, "a2", "u9", "first", 2000);
    expect(await listPairingRequests(store, "a1", 1500)).toEqual([
      {
        accountId: "a1",
        userId: "u1",
        code: issued.code,
        requestedAtMs: 1000,
        expiresAtMs: 1000 + PAIRING_TTL_MS,
        expired: false,
      },
    ]);
    expect((await listPairingRequests(store, undefined, 1500)).map((r) => r.userId)).toEqual(["u1", "u9"]);

    const approved = await approvePairing(store, issued.code.toLowerCase(), { nowMs: 5000 });
    expect(approved).toMatchObject({ accountId: "a1", userId: "u1" });
    expect(await contactAccess(store, "a1", "u1")).toEqual({ access: "allowed" });
    const settings = (await store.contacts.get("a1", "u1"))?.settings;
    expect(settings).toMatchObject({ access: "allowed", accessChangedAtMs: 5000, unlock: { failures: 1 } });
    expect(settings).not.toHaveProperty("pairingCode");
    expect(await listPairingRequests(store, "a1", 5000)).toEqual([]);
    // The same code cannot be used twice.
    expect(await codeError(() => approvePairing(store, issued.code, { nowMs: 5000 }))).toBe(
      "PAIRING_CODE_UNKNOWN",
    );
  });

  it("an expired code is listed as expired and cannot be approved, but can be denied", async () => {
    const issued = await issuePairingCode(store, "a1", "u1", "first", 0);
    const later = PAIRING_TTL_MS + 1;
    expect((await listPairingRequests(store, "a1", later))[0]?.expired).toBe(true);
    expect(await codeError(() => approvePairing(store, issued.code, { nowMs: later }))).toBe(
      "PAIRING_CODE_EXPIRED",
    );
    await denyPairing(store, issued.code, { nowMs: later });
    expect((await contactAccess(store, "a1", "u1")).access).toBe("blocked");
  });

  it("codes are unique across accounts, and a reminder continues the round", async () => {
    let n = 0;
    // A rigged random source: the first two codes would collide.
    const random = () => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1][n++ % 18] ?? 0;
    const a = await issuePairingCode(store, "a1", "u1", "first", 0, PAIRING_TTL_MS, random);
    const b = await issuePairingCode(store, "a2", "u2", "first", 0, PAIRING_TTL_MS, random);
    expect(a.code).toBe("AAAAAA");
    expect(b.code).toBe("BBBBBB");
    const r = await issuePairingCode(store, "a1", "u1", "reminder", PAIRING_TTL_MS + 5);
    expect(r.requestedAtMs).toBe(0);
    expect((await contactAccess(store, "a1", "u1")).pairingCodesSent).toBe(2);
  });

  it("setContactAccess allows, blocks and forgets a contact never seen before", async () => {
    await setContactAccess(store, "a1", "new", "allowed", 10);
    expect((await contactAccess(store, "a1", "new")).access).toBe("allowed");
    await setContactAccess(store, "a1", "new", "blocked", 20);
    expect((await contactAccess(store, "a1", "new")).access).toBe("blocked");
    await setContactAccess(store, "a1", "new", "none", 30);
    expect(await contactAccess(store, "a1", "new")).toEqual({});
  });

  it("writes inside a transaction only through it, never through the outer store", async () => {
    let open = 0;
    const guard = <T extends object>(table: T): T =>
      new Proxy(table, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            if (open > 0) throw new Error(`outer store used inside a transaction: contacts.${String(key)}`);
            return value.apply(target, args);
          };
        },
      });
    const outer: Pick<AsyncStore, "contacts" | "transaction"> = {
      contacts: guard(store.contacts),
      transaction: async (fn) => {
        open += 1;
        try {
          return await store.transaction(fn);
        } finally {
          open -= 1;
        }
      },
    };
    const issued = await issuePairingCode(outer, "a1", "u1", "first", 0);
    await issuePairingCode(outer, "a1", "u2", "first", 1);
    expect((await evictOldestPairing(outer, "a1", 2))?.userId).toBe("u1");
    await setContactAccess(outer, "a1", "u3", "blocked", 3);
    await denyPairing(outer, issued.code, { nowMs: 4 });
    expect((await contactAccess(store, "a1", "u1")).access).toBe("blocked");
    expect((await contactAccess(store, "a1", "u3")).access).toBe("blocked");
  });

  it("an unknown code names the fix", async () => {
    try {
      await approvePairing(store, "ZZZZZZ");
      expect.unreachable();
    } catch (err) {
      expect(isPolicyError(err, "PAIRING_CODE_UNKNOWN")).toBe(true);
      expect((err as Error).message).toContain("wxagent pairing list");
    }
  });
});
