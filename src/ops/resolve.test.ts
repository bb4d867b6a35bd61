import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import { isOpsError } from "./errors.js";
import { accountForSend, assertActive, contextTokenFor } from "./resolve.js";

describe("which account a send means", () => {
  let store: Store;
  const add = (id: string) =>
    store.accounts.upsert({
      id,
      baseUrl: "http://x",
      cdnBaseUrl: "http://x/c2c",
      token: `tok-${id}`,
      state: "active",
    });
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (isOpsError(err)) return err.code;
      throw err;
    }
    return "no error";
  };

  beforeEach(() => {
    store = openStore(":memory:");
  });
  afterEach(() => store.close());

  it("says how to log in when there is no account", () => {
    expect(() => accountForSend(store, undefined, "u1")).toThrow(/login_start/);
    expect(codeOf(() => accountForSend(store, undefined, "u1"))).toBe("UNKNOWN_ACCOUNT");
  });

  it("takes the only account, or the named one, or refuses an unknown name", () => {
    add("a");
    expect(accountForSend(store, undefined, "u1").id).toBe("a");
    add("b");
    expect(accountForSend(store, "b", "u1").id).toBe("b");
    expect(codeOf(() => accountForSend(store, "zz", "u1"))).toBe("UNKNOWN_ACCOUNT");
  });

  it("prefers the one account holding a context token, then the one that saw the contact", () => {
    add("a");
    add("b");
    store.contacts.see("a", "u1", 1);
    store.contacts.see("b", "u1", 1);
    store.contextTokens.set("b", "u1", "ctx", 1);
    expect(accountForSend(store, undefined, "u1").id).toBe("b");
    store.contacts.see("a", "u2", 1);
    expect(accountForSend(store, undefined, "u2").id).toBe("a");
    expect(codeOf(() => accountForSend(store, undefined, "u3"))).toBe("UNKNOWN_CONTACT");
  });

  it("refuses to guess between two accounts", () => {
    add("a");
    add("b");
    for (const id of ["a", "b"]) store.contextTokens.set(id, "u1", `ctx-${id}`, 1);
    expect(codeOf(() => accountForSend(store, undefined, "u1"))).toBe("AMBIGUOUS_ACCOUNT");
    store.contacts.see("a", "u2", 1);
    store.contacts.see("b", "u2", 1);
    expect(codeOf(() => accountForSend(store, undefined, "u2"))).toBe("AMBIGUOUS_ACCOUNT");
  });

  it("tells an unknown contact from a known one without a token, and an expired account", () => {
    const a = add("a");
    expect(codeOf(() => contextTokenFor(store, a, "u1"))).toBe("UNKNOWN_CONTACT");
    store.contacts.see("a", "u1", 1);
    expect(codeOf(() => contextTokenFor(store, a, "u1"))).toBe("NO_CONTEXT_TOKEN");
    store.contextTokens.set("a", "u1", "ctx", 1);
    expect(contextTokenFor(store, a, "u1").token).toBe("ctx");
    store.accounts.setState("a", "expired", "session expired (-14): run `wxagent login`");
    expect(() =>
      assertActive(store.accounts.get("a") as NonNullable<ReturnType<Store["accounts"]["get"]>>),
    ).toThrow(/expired.*wxagent login/);
  });
});
