/**
 * The contract every store implementation keeps, as one suite run against each of them through
 * the async interface: the SQLite store (wrapped by `asyncStore`) on a file, in memory and with
 * group commit, and the PostgreSQL store on a real server.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AsyncStore } from "./async.js";
import { isStoreError } from "./errors.js";
import type { NewInbound, NewOutbound, NewScheduleJob } from "./types.js";

export interface ContractHarness {
  open(): AsyncStore | Promise<AsyncStore>;
  /** Dispose of whatever `open` created (temp files, a database); called after `store.close()`. */
  cleanup?(): void | Promise<void>;
}

const text = (t: string) => [{ type: 1 as const, text_item: { text: t } }];

function inbound(key: string, from = "u1", extra: Partial<NewInbound> = {}): NewInbound {
  return { fromUserId: from, dedupKey: key, items: text(key), ...extra };
}

function bubble(clientId: string, extra: Partial<NewOutbound> = {}): NewOutbound {
  return { accountId: "acc", toUserId: "u1", seq: 0, clientId, kind: "text", text: clientId, ...extra };
}

export function storeContract(name: string, harness: ContractHarness): void {
  describe(`Store contract: ${name}`, () => {
    let store: AsyncStore;
    beforeEach(async () => {
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup?.();
    });

    describe("accounts", () => {
      const acc = {
        id: "acc",
        baseUrl: "http://b",
        cdnBaseUrl: "http://c",
        token: "tok-1",
        state: "active" as const,
      };

      it("upserts, keeps createdAtMs on update, lists and removes", async () => {
        const a = await store.accounts.upsert({ ...acc, createdAtMs: 100, ownerUserId: "owner" });
        expect(a).toMatchObject({
          id: "acc",
          token: "tok-1",
          ownerUserId: "owner",
          createdAtMs: 100,
          state: "active",
        });
        const b = await store.accounts.upsert({ ...acc, token: "tok-2", name: "bot" });
        expect(b).toMatchObject({ token: "tok-2", name: "bot", createdAtMs: 100 });
        await store.accounts.upsert({ ...acc, id: "acc2", createdAtMs: 200 });
        expect((await store.accounts.list()).map((x) => x.id)).toEqual(["acc", "acc2"]);
        expect(await store.accounts.remove("acc")).toBe(true);
        expect(await store.accounts.remove("acc")).toBe(false);
        expect(await store.accounts.get("acc")).toBeUndefined();
      });

      it("sets state with a reason and touches poll/inbound times", async () => {
        await store.accounts.upsert(acc);
        await store.accounts.setState("acc", "expired", "session expired (-14): run `wxagent login`");
        await store.accounts.touch("acc", { lastPollAtMs: 5 });
        await store.accounts.touch("acc", { lastInboundAtMs: 7 });
        expect(await store.accounts.get("acc")).toMatchObject({
          state: "expired",
          stateReason: "session expired (-14): run `wxagent login`",
          lastPollAtMs: 5,
          lastInboundAtMs: 7,
        });
        await store.accounts.setState("acc", "active");
        expect((await store.accounts.get("acc"))?.stateReason).toBeUndefined();
      });

      it("counts failed polls with the latest error until a poll is answered; a new login starts afresh", async () => {
        await store.accounts.upsert(acc);
        expect(await store.accounts.get("acc")).toMatchObject({ pollFailures: 0 });
        await store.accounts.pollFailed("acc", "connect ECONNREFUSED 127.0.0.1:9", 10);
        await store.accounts.pollFailed("acc", "fetch failed", 20);
        expect(await store.accounts.get("acc")).toMatchObject({
          pollFailures: 2,
          lastPollError: "fetch failed",
          lastPollErrorAtMs: 20,
        });
        // Messages alone do not say the poll loop recovered; an answered poll does.
        await store.accounts.touch("acc", { lastInboundAtMs: 25 });
        expect((await store.accounts.get("acc"))?.pollFailures).toBe(2);
        await store.accounts.touch("acc", { lastPollAtMs: 30 });
        const ok = await store.accounts.get("acc");
        expect(ok).toMatchObject({ pollFailures: 0, lastPollAtMs: 30 });
        expect(ok?.lastPollError).toBeUndefined();
        expect(ok?.lastPollErrorAtMs).toBeUndefined();
        await store.accounts.pollFailed("acc", "HTTP 502", 40);
        await store.accounts.upsert({ ...acc, token: "tok-new" });
        expect(await store.accounts.get("acc")).toMatchObject({ pollFailures: 0, lastPollAtMs: 30 });
        await expect(store.accounts.pollFailed("nope", "x", 1)).rejects.toThrow(/does not exist/);
      });

      it("refuses updates to an unknown account with NOT_FOUND", async () => {
        await expect(store.accounts.setState("nope", "disabled")).rejects.toThrow(/does not exist/);
        try {
          await store.accounts.touch("nope", { lastPollAtMs: 1 });
          expect.unreachable();
        } catch (err) {
          expect(isStoreError(err, "NOT_FOUND")).toBe(true);
        }
      });

      it("removing an account drops its cursor and context tokens but keeps history", async () => {
        await store.accounts.upsert(acc);
        await store.inbound.recordPoll("acc", "cur", [inbound("id:1")], 1);
        await store.contextTokens.set("acc", "u1", "ctx", 1);
        await store.accounts.remove("acc");
        expect(await store.cursors.get("acc")).toBe("");
        expect(await store.contextTokens.get("acc", "u1")).toBeUndefined();
        expect(await store.inbound.list({ accountId: "acc" })).toHaveLength(1);
      });

      it("keeps the simulated mark through reads and updates", async () => {
        expect((await store.accounts.upsert(acc)).simulated).toBeUndefined();
        expect((await store.accounts.upsert({ ...acc, simulated: true })).simulated).toBe(true);
        await store.accounts.setState("acc", "expired", "gone");
        expect((await store.accounts.list())[0]?.simulated).toBe(true);
        expect((await store.accounts.upsert({ ...acc, simulated: false })).simulated).toBeUndefined();
      });

      it("purging an account drops its history, contacts and outbox too, and nobody else's", async () => {
        await store.accounts.upsert(acc);
        await store.accounts.upsert({ ...acc, id: "other" });
        for (const id of ["acc", "other"]) {
          const [m] = await store.inbound.recordPoll(id, "cur", [inbound(`id:${id}`)], 1);
          await store.contacts.see(id, "u1", 1);
          await store.outbound.enqueue([bubble(`c-${id}`, { accountId: id, inboundId: m?.id })], 2);
        }
        expect(await store.accounts.purge("acc")).toBe(true);
        expect(await store.accounts.purge("acc")).toBe(false);
        expect(await store.accounts.get("acc")).toBeUndefined();
        expect(await store.inbound.list({ accountId: "acc" })).toEqual([]);
        expect(await store.outbound.list({ accountId: "acc" })).toEqual([]);
        expect(await store.contacts.list("acc")).toEqual([]);
        expect(await store.inbound.list({ accountId: "other" })).toHaveLength(1);
        expect(await store.outbound.list({ accountId: "other" })).toHaveLength(1);
        expect(await store.contacts.list("other")).toHaveLength(1);
      });
    });

    describe("contacts", () => {
      it("creates on first sight, then moves lastSeen forward only", async () => {
        const c = await store.contacts.see("acc", "u1", 10);
        expect(c).toMatchObject({ firstSeenAtMs: 10, lastSeenAtMs: 10, settings: {} });
        await store.contacts.see("acc", "u1", 30);
        await store.contacts.see("acc", "u1", 20); // a replayed older message
        expect(await store.contacts.get("acc", "u1")).toMatchObject({ firstSeenAtMs: 10, lastSeenAtMs: 30 });
      });

      it("updates name, preset and settings, and lists per account", async () => {
        await store.contacts.see("acc", "u1", 1);
        await store.contacts.see("acc", "u2", 2);
        await store.contacts.see("other", "u3", 3);
        await store.contacts.update("acc", "u1", { name: "Ann", preset: "readonly" });
        expect(await store.contacts.updateSettings("acc", "u1", (s) => ({ ...s, unlockUntilMs: 9 }))).toEqual(
          {
            unlockUntilMs: 9,
          },
        );
        expect(await store.contacts.get("acc", "u1")).toMatchObject({
          name: "Ann",
          preset: "readonly",
          settings: { unlockUntilMs: 9 },
        });
        await store.contacts.update("acc", "u1", { preset: undefined });
        expect(await store.contacts.get("acc", "u1")).toMatchObject({ name: "Ann", preset: undefined });
        expect((await store.contacts.list("acc")).map((c) => c.userId)).toEqual(["u2", "u1"]);
        expect(await store.contacts.list()).toHaveLength(3);
      });

      it("update creates a contact not yet seen (allowlisting ahead of time)", async () => {
        await store.contacts.update("acc", "new", { preset: "full" });
        expect((await store.contacts.get("acc", "new"))?.preset).toBe("full");
        await store.contacts.updateSettings("acc", "newer", () => ({ access: "allowed" }));
        expect((await store.contacts.get("acc", "newer"))?.settings).toEqual({ access: "allowed" });
      });

      it("settings writers of different keys, all at once, never undo each other", async () => {
        // Under READ COMMITTED a read-then-write loses most of these (each writes back what it read).
        await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            store.contacts.updateSettings("acc", "busy", (s) => ({ ...s, [`k${i}`]: i })),
          ),
        );
        const settings = (await store.contacts.get("acc", "busy"))?.settings ?? {};
        expect(Object.keys(settings).sort()).toEqual(Array.from({ length: 24 }, (_, i) => `k${i}`).sort());
      });

      it("a settings change inside a transaction sees the writes before it and rolls back with it", async () => {
        await store.contacts.updateSettings("acc", "tx", () => ({ a: 1 }));
        await expect(
          store.transaction(async (tx) => {
            await tx.contacts.updateSettings("acc", "tx", (s) => ({ ...s, b: 2 }));
            expect((await tx.contacts.get("acc", "tx"))?.settings).toEqual({ a: 1, b: 2 });
            throw new Error("undo");
          }),
        ).rejects.toThrow("undo");
        expect((await store.contacts.get("acc", "tx"))?.settings).toEqual({ a: 1 });
      });
    });

    describe("inbound and cursors", () => {
      it("recordPoll inserts new messages, saves the cursor and returns only the new rows", async () => {
        const first = await store.inbound.recordPoll("acc", "c1", [inbound("id:1"), inbound("id:2")], 100);
        expect(first.map((m) => m.dedupKey)).toEqual(["id:1", "id:2"]);
        expect(first[0]).toMatchObject({
          accountId: "acc",
          fromUserId: "u1",
          state: "pending",
          receivedAtMs: 100,
        });
        expect(first[0]?.items).toEqual(text("id:1"));
        expect(await store.cursors.get("acc")).toBe("c1");

        const again = await store.inbound.recordPoll("acc", "c2", [inbound("id:2"), inbound("id:3")], 200);
        expect(again.map((m) => m.dedupKey)).toEqual(["id:3"]);
        expect(await store.cursors.get("acc")).toBe("c2");
      });

      it("recordPoll is atomic: a failing insert leaves neither earlier rows of the poll nor its cursor", async () => {
        await store.inbound.recordPoll("acc", "old", [inbound("id:0")], 1);
        // A message without a sender violates NOT NULL after a good one was inserted in the same poll.
        const bad = { ...inbound("id:2"), fromUserId: null as unknown as string };
        await expect(store.inbound.recordPoll("acc", "new", [inbound("id:1"), bad], 2)).rejects.toThrow(
          /NOT NULL|null value/,
        );
        expect(await store.cursors.get("acc")).toBe("old");
        expect((await store.inbound.list({})).map((m) => m.dedupKey)).toEqual(["id:0"]);
        // Nothing was half-recorded: the same messages are new on the retry.
        expect(
          await store.inbound.recordPoll("acc", "new", [inbound("id:1"), inbound("id:2")], 3),
        ).toHaveLength(2);
      });

      it("dedups within one batch and per account only", async () => {
        const got = await store.inbound.recordPoll("acc", undefined, [inbound("id:1"), inbound("id:1")], 1);
        expect(got).toHaveLength(1);
        expect(await store.inbound.recordPoll("acc2", undefined, [inbound("id:1")], 1)).toHaveLength(1);
      });

      it("an empty or missing cursor never overwrites the saved one", async () => {
        await store.inbound.recordPoll("acc", "c1", [], 1);
        await store.inbound.recordPoll("acc", "", [inbound("id:1")], 2);
        await store.inbound.recordPoll("acc", undefined, [inbound("id:2")], 3);
        expect(await store.cursors.get("acc")).toBe("c1");
        await store.cursors.set("acc", ""); // re-login resets it explicitly
        expect(await store.cursors.get("acc")).toBe("");
      });

      it("keeps every field, including uint64 ids as strings", async () => {
        const [m] = await store.inbound.recordPoll(
          "acc",
          undefined,
          [
            inbound("id:18446744073709551615", "u1", {
              messageId: "18446744073709551615",
              groupId: "g1",
              contextToken: "ctx",
              createTimeMs: 1_700_000_000_123,
            }),
          ],
          1,
        );
        expect(await store.inbound.get(m?.id ?? -1)).toMatchObject({
          messageId: "18446744073709551615",
          groupId: "g1",
          contextToken: "ctx",
          createTimeMs: 1_700_000_000_123,
        });
        expect(await store.inbound.get(9999)).toBeUndefined();
      });

      it("unfinished replays pending and processing, oldest first", async () => {
        const ms = await store.inbound.recordPoll(
          "acc",
          undefined,
          ["1", "2", "3", "4"].map((k) => inbound(`id:${k}`)),
          1,
        );
        const [a, b, c, d] = ms.map((m) => m.id) as [number, number, number, number];
        await store.inbound.setState(a, "done");
        await store.inbound.setState(b, "processing");
        await store.inbound.setState(d, "refused", "not allowlisted");
        expect((await store.inbound.unfinished("acc")).map((m) => m.id)).toEqual([b, c]);
        expect(await store.inbound.get(d)).toMatchObject({
          state: "refused",
          stateReason: "not allowlisted",
        });
        expect(await store.inbound.countByState("acc", "pending")).toBe(1);
        expect(await store.inbound.countByState("acc", "done")).toBe(1);
        await expect(store.inbound.setState(9999, "done")).rejects.toThrow(/does not exist/);
      });

      it("lists most recent first with filters", async () => {
        await store.inbound.recordPoll("acc", undefined, [inbound("id:1", "u1"), inbound("id:2", "u2")], 10);
        await store.inbound.recordPoll("acc", undefined, [inbound("id:3", "u1")], 20);
        await store.inbound.recordPoll("other", undefined, [inbound("id:4", "u1")], 30);
        expect((await store.inbound.list({})).map((m) => m.dedupKey)).toEqual([
          "id:4",
          "id:3",
          "id:2",
          "id:1",
        ]);
        expect((await store.inbound.list({ accountId: "acc", userId: "u1" })).map((m) => m.dedupKey)).toEqual(
          ["id:3", "id:1"],
        );
        expect((await store.inbound.list({ accountId: "acc", sinceMs: 15 })).map((m) => m.dedupKey)).toEqual([
          "id:3",
        ]);
        expect((await store.inbound.list({ limit: 2 })).map((m) => m.dedupKey)).toEqual(["id:4", "id:3"]);
      });
    });

    describe("outbound", () => {
      it("stores text with a NUL in it (PostgreSQL drops the NUL, SQLite keeps it)", async () => {
        const [m] = await store.inbound.recordPoll("acc", "cur\u0000sor", [inbound("id:nul")], 1);
        const [o] = await store.outbound.enqueue([bubble("nul", { inboundId: m?.id, text: "a\u0000b" })], 1);
        await store.outbound.markFailed(o?.id ?? -1, "err\u0000or");
        const [read] = await store.outbound.forInbound(m?.id ?? -1);
        expect(read?.text?.replaceAll("\u0000", "")).toBe("ab");
        expect(read?.lastError?.replaceAll("\u0000", "")).toBe("error");
        expect((await store.cursors.get("acc")).replaceAll("\u0000", "")).toBe("cursor");
      });

      it("enqueues a whole reply in order and marks bubbles sent", async () => {
        const [m] = await store.inbound.recordPoll("acc", undefined, [inbound("id:1")], 1);
        const inboundId = m?.id ?? -1;
        const out = await store.outbound.enqueue(
          [
            bubble("c-0", { inboundId, seq: 0, contextToken: "ctx" }),
            bubble("c-1", {
              inboundId,
              seq: 1,
              kind: "file",
              text: undefined,
              filePath: "/w/a.png",
              caption: "a",
            }),
          ],
          50,
        );
        expect(out.map((o) => [o.clientId, o.state, o.attempts])).toEqual([
          ["c-0", "pending", 0],
          ["c-1", "pending", 0],
        ]);
        expect(out[1]).toMatchObject({ kind: "file", filePath: "/w/a.png", caption: "a", createdAtMs: 50 });
        // What enqueue returns is exactly what a later read gives.
        expect(await store.outbound.forInbound(inboundId)).toStrictEqual(out);
        await store.outbound.markSent(out[0]?.id ?? -1, 60, "srv-1");
        expect(
          (await store.outbound.forInbound(inboundId)).map((o) => [o.seq, o.state, o.serverMessageId]),
        ).toEqual([
          [0, "sent", "srv-1"],
          [1, "pending", undefined],
        ]);
        expect((await store.outbound.pending("acc")).map((o) => o.clientId)).toEqual(["c-1"]);
      });

      it("finds what a quote names: an inbound message by its server id, a sent bubble by the id it got", async () => {
        await store.inbound.recordPoll(
          "acc",
          undefined,
          [inbound("id:7390000000000000001", "u1", { messageId: "7390000000000000001" })],
          1,
        );
        expect((await store.inbound.byMessageId("acc", "7390000000000000001"))?.fromUserId).toBe("u1");
        expect(await store.inbound.byMessageId("other", "7390000000000000001")).toBeUndefined();
        expect(await store.inbound.byMessageId("acc", "1")).toBeUndefined();
        const [o] = await store.outbound.enqueue([bubble("q-1")], 1);
        expect(await store.outbound.byServerMessageId("acc", "srv-9")).toBeUndefined();
        await store.outbound.markSent(o?.id ?? -1, 2, "srv-9");
        expect((await store.outbound.byServerMessageId("acc", "srv-9"))?.clientId).toBe("q-1");
        expect(await store.outbound.byServerMessageId("other", "srv-9")).toBeUndefined();
      });

      it("client_id is unique, and a duplicate rolls back the whole reply", async () => {
        await store.outbound.enqueue([bubble("dup")], 1);
        let caught: unknown;
        try {
          await store.outbound.enqueue([bubble("fresh"), bubble("dup")], 2);
        } catch (err) {
          caught = err;
        }
        expect(isStoreError(caught, "DUPLICATE_CLIENT_ID")).toBe(true);
        expect((await store.outbound.list({})).map((o) => o.clientId)).toEqual(["dup"]);
      });

      it("counts attempts, keeps the last error, marks failed", async () => {
        const [o] = await store.outbound.enqueue([bubble("c")], 1);
        const id = o?.id ?? -1;
        await store.outbound.bumpAttempt(id, "HTTP 502");
        await store.outbound.bumpAttempt(id);
        expect((await store.outbound.list({}))[0]).toMatchObject({
          attempts: 2,
          lastError: "HTTP 502",
          clientId: "c",
        });
        await store.outbound.markFailed(id, "gave up after 2 attempts");
        expect(await store.outbound.countByState("acc", "failed")).toBe(1);
        expect((await store.outbound.list({}))[0]?.lastError).toBe("gave up after 2 attempts");
        await expect(store.outbound.markSent(9999, 1)).rejects.toThrow(/does not exist/);
      });

      it("defer moves to the outbox; release re-arms with a new token and keeps client_id", async () => {
        const out = await store.outbound.enqueue(
          [bubble("a", { seq: 0, contextToken: "old" }), bubble("b", { seq: 1, contextToken: "old" })],
          1,
        );
        await store.outbound.enqueue([bubble("other-user", { toUserId: "u2" })], 1);
        const ids = out.map((o) => o.id);
        for (const id of ids) await store.outbound.defer(id, "context quota used up");
        expect((await store.outbound.pending("acc")).map((o) => o.clientId)).toEqual(["other-user"]);
        expect((await store.outbound.deferred("acc", "u1")).map((o) => [o.clientId, o.lastError])).toEqual([
          ["a", "context quota used up"],
          ["b", "context quota used up"],
        ]);
        expect(await store.outbound.deferred("acc", "u2")).toEqual([]);

        await store.outbound.release(ids, "new");
        const pending = (await store.outbound.pending("acc")).filter((o) => o.toUserId === "u1");
        expect(pending.map((o) => [o.clientId, o.contextToken, o.state])).toEqual([
          ["a", "new", "pending"],
          ["b", "new", "pending"],
        ]);
        expect(await store.outbound.deferred("acc", "u1")).toEqual([]);
      });

      it("release leaves bubbles that are not deferred alone", async () => {
        const [o] = await store.outbound.enqueue([bubble("s", { contextToken: "t" })], 1);
        await store.outbound.markSent(o?.id ?? -1, 2);
        await store.outbound.release([o?.id ?? -1], "new");
        expect((await store.outbound.list({}))[0]).toMatchObject({ state: "sent", contextToken: "t" });
      });

      it("lists most recent first with filters", async () => {
        await store.outbound.enqueue([bubble("1")], 10);
        await store.outbound.enqueue([bubble("2", { toUserId: "u2" })], 20);
        await store.outbound.enqueue([bubble("3", { accountId: "other" })], 30);
        expect((await store.outbound.list({})).map((o) => o.clientId)).toEqual(["3", "2", "1"]);
        expect(
          (await store.outbound.list({ accountId: "acc", userId: "u1" })).map((o) => o.clientId),
        ).toEqual(["1"]);
        expect((await store.outbound.list({ sinceMs: 20, limit: 1 })).map((o) => o.clientId)).toEqual(["3"]);
      });
    });

    describe("context tokens", () => {
      it("counts sends and resets the count when a new token is set", async () => {
        await store.contextTokens.set("acc", "u1", "t1", 1);
        expect(await store.contextTokens.countSend("acc", "u1")).toBe(1);
        expect(await store.contextTokens.countSend("acc", "u1")).toBe(2);
        expect(await store.contextTokens.get("acc", "u1")).toMatchObject({
          token: "t1",
          sendCount: 2,
          updatedAtMs: 1,
        });
        await store.contextTokens.set("acc", "u1", "t2", 5);
        expect(await store.contextTokens.get("acc", "u1")).toMatchObject({
          token: "t2",
          sendCount: 0,
          updatedAtMs: 5,
        });
        expect(await store.contextTokens.countSend("acc", "u1")).toBe(1);
      });

      it("a repeated token from a new inbound message still opens a fresh quota", async () => {
        await store.contextTokens.set("acc", "u1", "same", 1);
        await store.contextTokens.countSend("acc", "u1");
        await store.contextTokens.set("acc", "u1", "same", 2);
        expect((await store.contextTokens.get("acc", "u1"))?.sendCount).toBe(0);
      });

      it("countSend without a token counts nothing; clear drops an account's tokens", async () => {
        expect(await store.contextTokens.countSend("acc", "nobody")).toBe(0);
        expect(await store.contextTokens.get("acc", "nobody")).toBeUndefined();
        await store.contextTokens.set("acc", "u1", "t", 1);
        await store.contextTokens.set("other", "u1", "t", 1);
        await store.contextTokens.clear("acc");
        expect(await store.contextTokens.get("acc", "u1")).toBeUndefined();
        expect(await store.contextTokens.get("other", "u1")).toBeDefined();
      });
    });

    describe("send quota", () => {
      it("reserves slots up to the quota, refunds one on the same token only", async () => {
        expect(await store.contextTokens.reserveSend("acc", "u1", 2)).toBeUndefined(); // no token
        await store.contextTokens.set("acc", "u1", "t1", 1);
        expect(await store.contextTokens.reserveSend("acc", "u1", 2)).toBe(1);
        expect(await store.contextTokens.reserveSend("acc", "u1", 2)).toBe(2);
        expect(await store.contextTokens.reserveSend("acc", "u1", 2)).toBeUndefined();
        await store.contextTokens.refundSend("acc", "u1", "t1");
        expect((await store.contextTokens.get("acc", "u1"))?.sendCount).toBe(1);
        expect(await store.contextTokens.reserveSend("acc", "u1", 2)).toBe(2);
        await store.contextTokens.set("acc", "u1", "t2", 2);
        await store.contextTokens.refundSend("acc", "u1", "t1"); // a stale token gives nothing back
        expect((await store.contextTokens.get("acc", "u1"))?.sendCount).toBe(0);
        await store.contextTokens.refundSend("acc", "u1", "t2"); // never below 0
        expect((await store.contextTokens.get("acc", "u1"))?.sendCount).toBe(0);
      });

      it("concurrent reservations never pass the quota", async () => {
        await store.contextTokens.set("acc", "u1", "t", 1);
        const got = await Promise.all(
          Array.from({ length: 25 }, () => store.contextTokens.reserveSend("acc", "u1", 10)),
        );
        expect(got.filter((n) => n !== undefined).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([
          1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
        ]);
        expect((await store.contextTokens.get("acc", "u1"))?.sendCount).toBe(10);
      });
    });

    describe("sessions", () => {
      it("puts, replaces, gets and removes per account, contact and agent", async () => {
        await store.sessions.put("acc", "u1", "acp", { sessionId: "s1" }, 1);
        await store.sessions.put("acc", "u1", "builtin", [{ role: "user", content: "hi" }], 2);
        await store.sessions.put("acc", "u1", "acp", { sessionId: "s2" }, 3);
        expect(await store.sessions.get("acc", "u1", "acp")).toEqual({
          accountId: "acc",
          userId: "u1",
          agent: "acp",
          data: { sessionId: "s2" },
          updatedAtMs: 3,
        });
        expect((await store.sessions.get("acc", "u1", "builtin"))?.data).toEqual([
          { role: "user", content: "hi" },
        ]);
        await store.sessions.remove("acc", "u1", "acp");
        expect(await store.sessions.get("acc", "u1", "acp")).toBeUndefined();
        expect(await store.sessions.get("acc", "u1", "builtin")).toBeDefined();
      });
    });

    describe("history retention", () => {
      /** Ten finished messages of "acc" received at 10, 20 … 100, each answered by one sent bubble. */
      const seed = async () => {
        const ids: number[] = [];
        for (let i = 1; i <= 10; i++) {
          const [m] = await store.inbound.recordPoll("acc", undefined, [inbound(`id:${i}`)], i * 10);
          const id = m?.id ?? -1;
          await store.inbound.setState(id, "done");
          const [b] = await store.outbound.enqueue([bubble(`r-${i}`, { inboundId: id })], i * 10);
          await store.outbound.markSent(b?.id ?? -1, i * 10 + 1);
          ids.push(id);
        }
        return ids;
      };

      it("deletes finished rows older than the age limit, oldest first, in batches", async () => {
        const ids = await seed();
        const first = await store.history.pruneBatch("acc", { beforeMs: 45 }, 2);
        expect(first).toEqual({ inboundIds: ids.slice(0, 2), outbound: 2 });
        const second = await store.history.pruneBatch("acc", { beforeMs: 45 }, 10);
        expect(second).toEqual({ inboundIds: ids.slice(2, 4), outbound: 2 });
        expect(await store.history.pruneBatch("acc", { beforeMs: 45 }, 10)).toEqual({
          inboundIds: [],
          outbound: 0,
        });
        expect(await store.inbound.list({ accountId: "acc" })).toHaveLength(6);
        expect(await store.outbound.list({ accountId: "acc" })).toHaveLength(6);
      });

      it("keeps the newest N per account and direction, and other accounts untouched", async () => {
        const ids = await seed();
        await store.inbound.recordPoll("other", undefined, [inbound("id:x")], 1);
        // The third newest of each direction, and everything below it goes.
        const third = async (table: "inbound" | "outbound") =>
          ((await store.history.olderId(table, "acc", 1e9, 3)) ?? 0) - 1;
        const rule = { cutoffs: { inboundId: await third("inbound"), outboundId: await third("outbound") } };
        expect(rule.cutoffs.inboundId).toBe(ids[6]);
        expect(await store.history.olderId("inbound", "acc", ids[2] ?? 0, 2)).toBe(ids[0]);
        expect(await store.history.olderId("inbound", "acc", ids[2] ?? 0, 3)).toBeUndefined();
        expect((await store.history.pruneBatch("acc", rule, 4)).inboundIds).toEqual(ids.slice(0, 4));
        expect((await store.history.pruneBatch("acc", rule, 100)).inboundIds).toEqual(ids.slice(4, 7));
        expect((await store.history.pruneBatch("acc", rule, 100)).inboundIds).toEqual([]);
        expect((await store.inbound.list({ accountId: "acc" })).map((m) => m.id)).toEqual(
          ids.slice(7).reverse(),
        );
        expect(await store.outbound.list({ accountId: "acc" })).toHaveLength(3);
        expect(await store.inbound.list({ accountId: "other" })).toHaveLength(1);
      });

      it("never deletes an unfinished message, a queued reply or a bubble waiting in the outbox", async () => {
        const recorded = await store.inbound.recordPoll(
          "acc",
          undefined,
          ["1", "2", "3", "4"].map((k) => inbound(`id:${k}`)),
          1,
        );
        const [pending, processing, answered, refused] = recorded.map((m) => m.id) as [
          number,
          number,
          number,
          number,
        ];
        await store.inbound.setState(processing, "processing");
        await store.inbound.setState(answered, "done");
        await store.inbound.setState(refused, "refused", "malformed");
        // The answered message's reply is still deferred (quota spent): it stays, and so does its message.
        const [waiting] = await store.outbound.enqueue([bubble("w-0", { inboundId: answered })], 1);
        await store.outbound.defer(waiting?.id ?? -1, "quota");
        const [queued] = await store.outbound.enqueue([bubble("q-0")], 1);
        const got = await store.history.pruneBatch("acc", { beforeMs: 1_000 }, 100);
        expect(got).toEqual({ inboundIds: [refused], outbound: 0 });
        expect(await store.inbound.get(pending)).toBeDefined();
        expect(await store.inbound.get(processing)).toBeDefined();
        expect(await store.inbound.get(answered)).toBeDefined();
        expect((await store.outbound.deferred("acc", "u1")).map((b) => b.id)).toEqual([waiting?.id]);
        expect((await store.outbound.pending("acc")).map((b) => b.id)).toEqual([queued?.id]);
      });
    });

    describe("schedules", () => {
      const job = (extra: Partial<NewScheduleJob> = {}): NewScheduleJob => ({
        accountId: "acc",
        userId: "u1",
        kind: "cron",
        cron: "0 9 * * *",
        tz: "Asia/Shanghai",
        action: "text",
        body: "good morning",
        createdBy: "operator",
        nextRunAtMs: 1_000,
        ...extra,
      });

      it("creates, lists newest first, finds what is due and the soonest next run, cancels", async () => {
        const a = await store.schedules.create(job(), 10);
        const b = await store.schedules.create(
          job({ kind: "once", cron: undefined, atMs: 500, nextRunAtMs: 500 }),
          20,
        );
        await store.schedules.create(job({ userId: "u2", nextRunAtMs: 5_000 }), 30);
        expect(a).toMatchObject({
          state: "active",
          runs: 0,
          createdAtMs: 10,
          nextRunAtMs: 1_000,
          cron: "0 9 * * *",
        });
        expect(a.atMs).toBeUndefined();
        expect(await store.schedules.get(b.id)).toEqual(b);
        expect((await store.schedules.list({ userId: "u1" })).map((j) => j.id)).toEqual([b.id, a.id]);
        expect((await store.schedules.due(1_000)).map((j) => j.id)).toEqual([b.id, a.id]);
        expect(await store.schedules.due(1_000, 1)).toHaveLength(1);
        expect(await store.schedules.nextRunAtMs()).toBe(500);
        expect(await store.schedules.cancel(b.id, 40)).toBe(true);
        expect(await store.schedules.cancel(b.id, 41)).toBe(false);
        expect(await store.schedules.get(b.id)).toMatchObject({ state: "cancelled", updatedAtMs: 40 });
        expect(await store.schedules.nextRunAtMs()).toBe(1_000);
        expect(await store.schedules.list({ state: "cancelled" })).toHaveLength(1);
      });

      it("claims a firing once: the job moves on, a second claim of it gets nothing", async () => {
        const j = await store.schedules.create(job(), 10);
        const [first, second] = await Promise.all([
          store.schedules.claim(j.id, 1_000, 2_000, { state: "running" }, 1_001),
          store.schedules.claim(j.id, 1_000, 2_000, { state: "running" }, 1_002),
        ]);
        const runs = [first, second].filter((r) => r !== undefined);
        expect(runs).toHaveLength(1);
        expect(runs[0]).toMatchObject({
          jobId: j.id,
          scheduledAtMs: 1_000,
          state: "running",
          outboundIds: [],
        });
        expect(await store.schedules.get(j.id)).toMatchObject({
          nextRunAtMs: 2_000,
          lastRunAtMs: 1_000,
          runs: 1,
        });
        const last = await store.schedules.claim(
          j.id,
          2_000,
          undefined,
          { state: "skipped", reason: "missed" },
          9,
        );
        expect(last).toMatchObject({ state: "skipped", reason: "missed" });
        expect(await store.schedules.get(j.id)).toMatchObject({ state: "done", runs: 2 });
        expect((await store.schedules.get(j.id))?.nextRunAtMs).toBeUndefined();
        expect((await store.schedules.runs({ jobId: j.id })).map((r) => r.scheduledAtMs)).toEqual([
          2_000, 1_000,
        ]);
      });

      it("records a run's bubbles and reports their states; reschedule moves an active job only", async () => {
        const j = await store.schedules.create(job(), 10);
        const run = await store.schedules.claim(j.id, 1_000, 2_000, { state: "running" }, 1_000);
        const out = await store.outbound.enqueue(
          [bubble("s-0", { seq: 0 }), bubble("s-1", { seq: 1 })],
          1_000,
        );
        await store.outbound.markSent(out[0]?.id ?? -1, 1_001);
        await store.outbound.defer(out[1]?.id ?? -1, "window closed");
        await store.schedules.updateRun(run?.id ?? -1, { state: "held", outboundIds: out.map((o) => o.id) });
        expect(await store.schedules.getRun(run?.id ?? -1)).toMatchObject({
          state: "held",
          outboundIds: out.map((o) => o.id),
        });
        expect(await store.schedules.runBubbles(run?.id ?? -1)).toEqual(["sent", "deferred"]);
        await store.schedules.updateRun(run?.id ?? -1, { state: "sent", finishedAtMs: 1_500 });
        expect(await store.schedules.getRun(run?.id ?? -1)).toMatchObject({
          state: "sent",
          finishedAtMs: 1_500,
          outboundIds: out.map((o) => o.id),
        });
        await store.schedules.reschedule(j.id, 3_000, 1_600);
        expect((await store.schedules.get(j.id))?.nextRunAtMs).toBe(3_000);
        await store.schedules.cancel(j.id, 1_700);
        await store.schedules.reschedule(j.id, 4_000, 1_800);
        expect((await store.schedules.get(j.id))?.state).toBe("cancelled");
        expect(await store.schedules.runs({ state: "sent", accountId: "acc", userId: "u1" })).toHaveLength(1);
      });
    });

    describe("transaction", () => {
      it("commits together and rolls back together", async () => {
        const result = await store.transaction(async (tx) => {
          await tx.cursors.set("acc", "c1");
          await tx.contacts.see("acc", "u1", 1);
          return 42;
        });
        expect(result).toBe(42);
        await expect(
          store.transaction(async (tx) => {
            await tx.cursors.set("acc", "c2");
            await tx.inbound.recordPoll("acc", "c3", [inbound("id:1")], 1); // nests inside
            throw new Error("boom");
          }),
        ).rejects.toThrow("boom");
        expect(await store.cursors.get("acc")).toBe("c1");
        expect(await store.inbound.list({})).toEqual([]);
        expect(await store.contacts.get("acc", "u1")).toBeDefined();
      });

      it("a nested transaction rolls back alone; the outer one still commits", async () => {
        await store.transaction(async (tx) => {
          await tx.cursors.set("acc", "outer");
          await expect(
            tx.transaction(async (inner) => {
              await inner.cursors.set("acc", "inner");
              throw new Error("inner fails");
            }),
          ).rejects.toThrow("inner fails");
          expect(await tx.cursors.get("acc")).toBe("outer");
        });
        expect(await store.cursors.get("acc")).toBe("outer");
      });
    });
  });
}
