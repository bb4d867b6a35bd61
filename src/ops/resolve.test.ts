import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AsyncStore, asyncStore } from "../store/async.js";
import { openStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import { isOpsError } from "./errors.js";
import { accountForSend, assertActive, contextTokenFor } from "./resolve.js";

describe("which account a send means", () => {
  let store: Store;
  /** What the helpers read: the same store behind the async interface. */
  let db: AsyncStore;
  const add = (id: string) =>
    store.accounts.upsert({
      id,
      baseUrl: "http://x",
      cdnBaseUrl: "http://x/c2c",
      token: `tok-${id}`,
      state: "active",
    });
  const codeOf = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      if (isOpsError(err)) return err.code;
      throw err;
    }
    return "no error";
  };

  beforeEach(() => {
    store = openStore(":memory:");
    db = asyncStore(store);
  });
  afterEach(() => store.close());

  it("says how to log in when there is no account", async () => {
    await expect(accountForSend(db, undefined, "u1")).rejects.toThrow(/login_start/);
    expect(await codeOf(() => accountForSend(db, undefined, "u1"))).toBe("UNKNOWN_ACCOUNT");
  });

  it("takes the only account, or the named one, or refuses an unknown name", async () => {
    add("a");
    expect((await accountForSend(db, undefined, "u1")).id).toBe("a");
    add("b");
    expect((await accountForSend(db, "b", "u1")).id).toBe("b");
    expect(await codeOf(() => accountForSend(db, "zz", "u1"))).toBe("UNKNOWN_ACCOUNT");
  });

  it("prefers the one account holding a context token, then the one that saw the contact", async () => {
    add("a");
    add("b");
    store.contacts.see("a", "u1", 1);
    store.contacts.see("b", "u1", 1);
    store.contextTokens.set("b", "u1", "ctx", 1);
    expect((await accountForSend(db, undefined, "u1")).id).toBe("b");
    store.contacts.see("a", "u2", 1);
    expect((await accountForSend(db, undefined, "u2")).id).toBe("a");
    expect(await codeOf(() => accountForSend(db, undefined, "u3"))).toBe("UNKNOWN_CONTACT");
  });

  it("refuses to guess between two accounts", async () => {
    add("a");
    add("b");
    for (const id of ["a", "b"]) store.contextTokens.set(id, "u1", `ctx-${id}`, 1);
    expect(await codeOf(() => accountForSend(db, undefined, "u1"))).toBe("AMBIGUOUS_ACCOUNT");
    store.contacts.see("a", "u2", 1);
    store.contacts.see("b", "u2", 1);
    expect(await codeOf(() => accountForSend(db, undefined, "u2"))).toBe("AMBIGUOUS_ACCOUNT");
  });

  it("tells an unknown contact from a known one without a token, and an expired account", async () => {
    const a = add("a");
    expect(await codeOf(() => contextTokenFor(db, a, "u1"))).toBe("UNKNOWN_CONTACT");
    store.contacts.see("a", "u1", 1);
    expect(await codeOf(() => contextTokenFor(db, a, "u1"))).toBe("NO_CONTEXT_TOKEN");
    store.contextTokens.set("a", "u1", "ctx", 1);
    expect((await contextTokenFor(db, a, "u1")).token).toBe("ctx");
    store.accounts.setState("a", "expired", "session expired (-14): run `wxagent login`");
    expect(() =>
      assertActive(store.accounts.get("a") as NonNullable<ReturnType<Store["accounts"]["get"]>>),
    ).toThrow(/expired.*wxagent login/);
  });
});
