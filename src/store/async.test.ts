/**
 * The SQLite store behind the async interface: an async transaction is a savepoint on the one
 * connection, so what runs beside it must wait rather than join it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { asyncStore } from "./async.js";
import { openStore } from "./sqlite.js";
import type { Store } from "./types.js";

const opened: Store[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

function open(groupCommit: boolean): { sync: Store; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), "wx-async-")), "wxagent.db");
  // lazyCommitMs 0: a group commits at the end of its turn (setImmediate), never on a timer.
  const sync = openStore(path, { groupCommit, backgroundCheckpoints: false, lazyCommitMs: 0 });
  opened.push(sync);
  return { sync, path };
}

const account = (id: string) => ({
  id,
  baseUrl: "http://127.0.0.1:1",
  cdnBaseUrl: "",
  token: "t",
  state: "active" as const,
});

describe.each([false, true])("asyncStore transactions (group commit %s)", (groupCommit) => {
  it("a write made beside an open transaction waits for it and survives its rollback", async () => {
    const { sync } = open(groupCommit);
    const store = asyncStore(sync);
    const order: string[] = [];
    let beside: Promise<unknown> | undefined;
    const failed = store
      .transaction(async (tx) => {
        await tx.accounts.upsert(account("inside"));
        order.push("inside");
        // Another chain writes on the outer store while this transaction is open.
        beside = store.accounts.upsert(account("beside")).then(() => order.push("beside"));
        await tx.accounts.get("inside");
        order.push("still inside");
        throw new Error("roll back");
      })
      .catch((err: Error) => err.message);
    expect(await failed).toBe("roll back");
    await beside;
    expect(order).toEqual(["inside", "still inside", "beside"]);
    expect(await store.accounts.get("inside")).toBeUndefined();
    expect((await store.accounts.get("beside"))?.id).toBe("beside");
  });

  it("transactions run one after another, each all or nothing", async () => {
    const { sync } = open(groupCommit);
    const store = asyncStore(sync);
    const seen: string[] = [];
    await Promise.all(
      ["a", "b", "c"].map((id) =>
        store.transaction(async (tx) => {
          seen.push(`${id} begins`);
          await tx.accounts.upsert(account(id));
          await tx.accounts.setState(id, "disabled", "test");
          seen.push(`${id} ends`);
        }),
      ),
    );
    expect(seen).toEqual(["a begins", "a ends", "b begins", "b ends", "c begins", "c ends"]);
    expect((await store.accounts.list()).map((a) => a.state)).toEqual(["disabled", "disabled", "disabled"]);
  });
});

describe("asyncStore and group commit", () => {
  it("holds the group's commit while a transaction that outlasts its turn is open", async () => {
    const { sync, path } = open(true);
    const store = asyncStore(sync);
    const reader = new Database(path, { readonly: true });
    try {
      let letGo!: () => void;
      const paused = new Promise<void>((resolve) => {
        letGo = resolve;
      });
      let durable: Promise<void> | undefined;
      const tx = store.transaction(async (t) => {
        await t.accounts.upsert(account("slow"));
        // The group would commit at the end of this turn, and sooner still with somebody waiting.
        durable = store.durable();
        await paused;
      });
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(reader.prepare("SELECT count(*) AS n FROM accounts").get()).toEqual({ n: 0 });
      letGo();
      await tx;
      await durable;
      expect(reader.prepare("SELECT count(*) AS n FROM accounts").get()).toEqual({ n: 1 });
    } finally {
      reader.close();
    }
  });
});
