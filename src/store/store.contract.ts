/**
 * The contract every `Store` implementation keeps, as one suite to run against each of them
 * (the SQLite store on a file and in memory today; a memory store could join later).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isStoreError } from "./errors.js";
import type { NewInbound, NewOutbound, Store } from "./types.js";

export interface ContractHarness {
  open(): Store;
  /** Dispose of whatever `open` created (temp files); called after `store.close()`. */
  cleanup?(): void;
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
    let store: Store;
    beforeEach(() => {
      store = harness.open();
    });
    afterEach(async () => {
      await store.close();
      harness.cleanup?.();
    });

    describe("accounts", () => {
      const acc = {
        id: "acc",
        baseUrl: "http://b",
        cdnBaseUrl: "http://c",
        token: "tok-1",
        state: "active" as const,
      };

      it("upserts, keeps createdAtMs on update, lists and removes", () => {
        const a = store.accounts.upsert({ ...acc, createdAtMs: 100, ownerUserId: "owner" });
        expect(a).toMatchObject({
          id: "acc",
          token: "tok-1",
          ownerUserId: "owner",
          createdAtMs: 100,
          state: "active",
        });
        const b = store.accounts.upsert({ ...acc, token: "tok-2", name: "bot" });
        expect(b).toMatchObject({ token: "tok-2", name: "bot", createdAtMs: 100 });
        store.accounts.upsert({ ...acc, id: "acc2", createdAtMs: 200 });
        expect(store.accounts.list().map((x) => x.id)).toEqual(["acc", "acc2"]);
        expect(store.accounts.remove("acc")).toBe(true);
        expect(store.accounts.remove("acc")).toBe(false);
        expect(store.accounts.get("acc")).toBeUndefined();
      });

      it("sets state with a reason and touches poll/inbound times", () => {
        store.accounts.upsert(acc);
        store.accounts.setState("acc", "expired", "session expired (-14): run `wxagent login`");
        store.accounts.touch("acc", { lastPollAtMs: 5 });
        store.accounts.touch("acc", { lastInboundAtMs: 7 });
        expect(store.accounts.get("acc")).toMatchObject({
          state: "expired",
          stateReason: "session expired (-14): run `wxagent login`",
          lastPollAtMs: 5,
          lastInboundAtMs: 7,
        });
        store.accounts.setState("acc", "active");
        expect(store.accounts.get("acc")?.stateReason).toBeUndefined();
      });

      it("counts failed polls with the latest error until a poll is answered; a new login starts afresh", () => {
        store.accounts.upsert(acc);
        expect(store.accounts.get("acc")).toMatchObject({ pollFailures: 0 });
        store.accounts.pollFailed("acc", "connect ECONNREFUSED 127.0.0.1:9", 10);
        store.accounts.pollFailed("acc", "fetch failed", 20);
        expect(store.accounts.get("acc")).toMatchObject({
          pollFailures: 2,
          lastPollError: "fetch failed",
          lastPollErrorAtMs: 20,
        });
        // Messages alone do not say the poll loop recovered; an answered poll does.
        store.accounts.touch("acc", { lastInboundAtMs: 25 });
        expect(store.accounts.get("acc")?.pollFailures).toBe(2);
        store.accounts.touch("acc", { lastPollAtMs: 30 });
        const ok = store.accounts.get("acc");
        expect(ok).toMatchObject({ pollFailures: 0, lastPollAtMs: 30 });
        expect(ok?.lastPollError).toBeUndefined();
        expect(ok?.lastPollErrorAtMs).toBeUndefined();
        store.accounts.pollFailed("acc", "HTTP 502", 40);
        store.accounts.upsert({ ...acc, token: "tok-new" });
        expect(store.accounts.get("acc")).toMatchObject({ pollFailures: 0, lastPollAtMs: 30 });
        expect(() => store.accounts.pollFailed("nope", "x", 1)).toThrow(/does not exist/);
      });

      it("refuses updates to an unknown account with NOT_FOUND", () => {
        expect(() => store.accounts.setState("nope", "disabled")).toThrow(/does not exist/);
        try {
          store.accounts.touch("nope", { lastPollAtMs: 1 });
          expect.unreachable();
        } catch (err) {
          expect(isStoreError(err, "NOT_FOUND")).toBe(true);
        }
      });

      it("removing an account drops its cursor and context tokens but keeps history", () => {
        store.accounts.upsert(acc);
        store.inbound.recordPoll("acc", "cur", [inbound("id:1")], 1);
        store.contextTokens.set("acc", "u1", "ctx", 1);
        store.accounts.remove("acc");
        expect(store.cursors.get("acc")).toBe("");
        expect(store.contextTokens.get("acc", "u1")).toBeUndefined();
        expect(store.inbound.list({ accountId: "acc" })).toHaveLength(1);
      });

      it("keeps the simulated mark through reads and updates", () => {
        expect(store.accounts.upsert(acc).simulated).toBeUndefined();
        expect(store.accounts.upsert({ ...acc, simulated: true }).simulated).toBe(true);
        store.accounts.setState("acc", "expired", "gone");
        expect(store.accounts.list()[0]?.simulated).toBe(true);
        expect(store.accounts.upsert({ ...acc, simulated: false }).simulated).toBeUndefined();
      });

      it("purging an account drops its history, contacts and outbox too, and nobody else's", () => {
        store.accounts.upsert(acc);
        store.accounts.upsert({ ...acc, id: "other" });
        for (const id of ["acc", "other"]) {
          const [m] = store.inbound.recordPoll(id, "cur", [inbound(`id:${id}`)], 1);
          store.contacts.see(id, "u1", 1);
          store.outbound.enqueue([bubble(`c-${id}`, { accountId: id, inboundId: m?.id })], 2);
        }
        expect(store.accounts.purge("acc")).toBe(true);
        expect(store.accounts.purge("acc")).toBe(false);
        expect(store.accounts.get("acc")).toBeUndefined();
        expect(store.inbound.list({ accountId: "acc" })).toEqual([]);
        expect(store.outbound.list({ accountId: "acc" })).toEqual([]);
        expect(store.contacts.list("acc")).toEqual([]);
        expect(store.inbound.list({ accountId: "other" })).toHaveLength(1);
        expect(store.outbound.list({ accountId: "other" })).toHaveLength(1);
        expect(store.contacts.list("other")).toHaveLength(1);
      });
    });

    describe("contacts", () => {
      it("creates on first sight, then moves lastSeen forward only", () => {
        const c = store.contacts.see("acc", "u1", 10);
        expect(c).toMatchObject({ firstSeenAtMs: 10, lastSeenAtMs: 10, settings: {} });
        store.contacts.see("acc", "u1", 30);
        store.contacts.see("acc", "u1", 20); // a replayed older message
        expect(store.contacts.get("acc", "u1")).toMatchObject({ firstSeenAtMs: 10, lastSeenAtMs: 30 });
      });

      it("updates name, preset and settings, and lists per account", () => {
        store.contacts.see("acc", "u1", 1);
        store.contacts.see("acc", "u2", 2);
        store.contacts.see("other", "u3", 3);
        store.contacts.update("acc", "u1", {
          name: "Ann",
          preset: "readonly",
          settings: { unlockUntilMs: 9 },
        });
        expect(store.contacts.get("acc", "u1")).toMatchObject({
          name: "Ann",
          preset: "readonly",
          settings: { unlockUntilMs: 9 },
        });
        store.contacts.update("acc", "u1", { preset: undefined });
        expect(store.contacts.get("acc", "u1")).toMatchObject({ name: "Ann", preset: undefined });
        expect(store.contacts.list("acc").map((c) => c.userId)).toEqual(["u2", "u1"]);
        expect(store.contacts.list()).toHaveLength(3);
      });

      it("update creates a contact not yet seen (allowlisting ahead of time)", () => {
        store.contacts.update("acc", "new", { preset: "full" });
        expect(store.contacts.get("acc", "new")?.preset).toBe("full");
      });
    });

    describe("inbound and cursors", () => {
      it("recordPoll inserts new messages, saves the cursor and returns only the new rows", () => {
        const first = store.inbound.recordPoll("acc", "c1", [inbound("id:1"), inbound("id:2")], 100);
        expect(first.map((m) => m.dedupKey)).toEqual(["id:1", "id:2"]);
        expect(first[0]).toMatchObject({
          accountId: "acc",
          fromUserId: "u1",
          state: "pending",
          receivedAtMs: 100,
        });
        expect(first[0]?.items).toEqual(text("id:1"));
        expect(store.cursors.get("acc")).toBe("c1");

        const again = store.inbound.recordPoll("acc", "c2", [inbound("id:2"), inbound("id:3")], 200);
        expect(again.map((m) => m.dedupKey)).toEqual(["id:3"]);
        expect(store.cursors.get("acc")).toBe("c2");
      });

      it("dedups within one batch and per account only", () => {
        const got = store.inbound.recordPoll("acc", undefined, [inbound("id:1"), inbound("id:1")], 1);
        expect(got).toHaveLength(1);
        expect(store.inbound.recordPoll("acc2", undefined, [inbound("id:1")], 1)).toHaveLength(1);
      });

      it("an empty or missing cursor never overwrites the saved one", () => {
        store.inbound.recordPoll("acc", "c1", [], 1);
        store.inbound.recordPoll("acc", "", [inbound("id:1")], 2);
        store.inbound.recordPoll("acc", undefined, [inbound("id:2")], 3);
        expect(store.cursors.get("acc")).toBe("c1");
        store.cursors.set("acc", ""); // re-login resets it explicitly
        expect(store.cursors.get("acc")).toBe("");
      });

      it("keeps every field, including uint64 ids as strings", () => {
        const [m] = store.inbound.recordPoll(
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
        expect(store.inbound.get(m?.id ?? -1)).toMatchObject({
          messageId: "18446744073709551615",
          groupId: "g1",
          contextToken: "ctx",
          createTimeMs: 1_700_000_000_123,
        });
        expect(store.inbound.get(9999)).toBeUndefined();
      });

      it("unfinished replays pending and processing, oldest first", () => {
        const ms = store.inbound.recordPoll(
          "acc",
          undefined,
          ["1", "2", "3", "4"].map((k) => inbound(`id:${k}`)),
          1,
        );
        const [a, b, c, d] = ms.map((m) => m.id) as [number, number, number, number];
        store.inbound.setState(a, "done");
        store.inbound.setState(b, "processing");
        store.inbound.setState(d, "refused", "not allowlisted");
        expect(store.inbound.unfinished("acc").map((m) => m.id)).toEqual([b, c]);
        expect(store.inbound.get(d)).toMatchObject({ state: "refused", stateReason: "not allowlisted" });
        expect(store.inbound.countByState("acc", "pending")).toBe(1);
        expect(store.inbound.countByState("acc", "done")).toBe(1);
        expect(() => store.inbound.setState(9999, "done")).toThrow(/does not exist/);
      });

      it("lists most recent first with filters", () => {
        store.inbound.recordPoll("acc", undefined, [inbound("id:1", "u1"), inbound("id:2", "u2")], 10);
        store.inbound.recordPoll("acc", undefined, [inbound("id:3", "u1")], 20);
        store.inbound.recordPoll("other", undefined, [inbound("id:4", "u1")], 30);
        expect(store.inbound.list({}).map((m) => m.dedupKey)).toEqual(["id:4", "id:3", "id:2", "id:1"]);
        expect(store.inbound.list({ accountId: "acc", userId: "u1" }).map((m) => m.dedupKey)).toEqual([
          "id:3",
          "id:1",
        ]);
        expect(store.inbound.list({ accountId: "acc", sinceMs: 15 }).map((m) => m.dedupKey)).toEqual([
          "id:3",
        ]);
        expect(store.inbound.list({ limit: 2 }).map((m) => m.dedupKey)).toEqual(["id:4", "id:3"]);
      });
    });

    describe("outbound", () => {
      it("enqueues a whole reply in order and marks bubbles sent", () => {
        const [m] = store.inbound.recordPoll("acc", undefined, [inbound("id:1")], 1);
        const inboundId = m?.id ?? -1;
        const out = store.outbound.enqueue(
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
        expect(store.outbound.forInbound(inboundId)).toStrictEqual(out);
        store.outbound.markSent(out[0]?.id ?? -1, 60, "srv-1");
        expect(store.outbound.forInbound(inboundId).map((o) => [o.seq, o.state, o.serverMessageId])).toEqual([
          [0, "sent", "srv-1"],
          [1, "pending", undefined],
        ]);
        expect(store.outbound.pending("acc").map((o) => o.clientId)).toEqual(["c-1"]);
      });

      it("finds what a quote names: an inbound message by its server id, a sent bubble by the id it got", () => {
        store.inbound.recordPoll(
          "acc",
          undefined,
          [inbound("id:7390000000000000001", "u1", { messageId: "7390000000000000001" })],
          1,
        );
        expect(store.inbound.byMessageId("acc", "7390000000000000001")?.fromUserId).toBe("u1");
        expect(store.inbound.byMessageId("other", "7390000000000000001")).toBeUndefined();
        expect(store.inbound.byMessageId("acc", "1")).toBeUndefined();
        const [o] = store.outbound.enqueue([bubble("q-1")], 1);
        expect(store.outbound.byServerMessageId("acc", "srv-9")).toBeUndefined();
        store.outbound.markSent(o?.id ?? -1, 2, "srv-9");
        expect(store.outbound.byServerMessageId("acc", "srv-9")?.clientId).toBe("q-1");
        expect(store.outbound.byServerMessageId("other", "srv-9")).toBeUndefined();
      });

      it("client_id is unique, and a duplicate rolls back the whole reply", () => {
        store.outbound.enqueue([bubble("dup")], 1);
        let caught: unknown;
        try {
          store.outbound.enqueue([bubble("fresh"), bubble("dup")], 2);
        } catch (err) {
          caught = err;
        }
        expect(isStoreError(caught, "DUPLICATE_CLIENT_ID")).toBe(true);
        expect(store.outbound.list({}).map((o) => o.clientId)).toEqual(["dup"]);
      });

      it("counts attempts, keeps the last error, marks failed", () => {
        const [o] = store.outbound.enqueue([bubble("c")], 1);
        const id = o?.id ?? -1;
        store.outbound.bumpAttempt(id, "HTTP 502");
        store.outbound.bumpAttempt(id);
        expect(store.outbound.list({})[0]).toMatchObject({
          attempts: 2,
          lastError: "HTTP 502",
          clientId: "c",
        });
        store.outbound.markFailed(id, "gave up after 2 attempts");
        expect(store.outbound.countByState("acc", "failed")).toBe(1);
        expect(store.outbound.list({})[0]?.lastError).toBe("gave up after 2 attempts");
        expect(() => store.outbound.markSent(9999, 1)).toThrow(/does not exist/);
      });

      it("defer moves to the outbox; release re-arms with a new token and keeps client_id", () => {
        const out = store.outbound.enqueue(
          [bubble("a", { seq: 0, contextToken: "old" }), bubble("b", { seq: 1, contextToken: "old" })],
          1,
        );
        store.outbound.enqueue([bubble("other-user", { toUserId: "u2" })], 1);
        const ids = out.map((o) => o.id);
        for (const id of ids) store.outbound.defer(id, "context quota used up");
        expect(store.outbound.pending("acc").map((o) => o.clientId)).toEqual(["other-user"]);
        expect(store.outbound.deferred("acc", "u1").map((o) => [o.clientId, o.lastError])).toEqual([
          ["a", "context quota used up"],
          ["b", "context quota used up"],
        ]);
        expect(store.outbound.deferred("acc", "u2")).toEqual([]);

        store.outbound.release(ids, "new");
        const pending = store.outbound.pending("acc").filter((o) => o.toUserId === "u1");
        expect(pending.map((o) => [o.clientId, o.contextToken, o.state])).toEqual([
          ["a", "new", "pending"],
          ["b", "new", "pending"],
        ]);
        expect(store.outbound.deferred("acc", "u1")).toEqual([]);
      });

      it("release leaves bubbles that are not deferred alone", () => {
        const [o] = store.outbound.enqueue([bubble("s", { contextToken: "t" })], 1);
        store.outbound.markSent(o?.id ?? -1, 2);
        store.outbound.release([o?.id ?? -1], "new");
        expect(store.outbound.list({})[0]).toMatchObject({ state: "sent", contextToken: "t" });
      });

      it("lists most recent first with filters", () => {
        store.outbound.enqueue([bubble("1")], 10);
        store.outbound.enqueue([bubble("2", { toUserId: "u2" })], 20);
        store.outbound.enqueue([bubble("3", { accountId: "other" })], 30);
        expect(store.outbound.list({}).map((o) => o.clientId)).toEqual(["3", "2", "1"]);
        expect(store.outbound.list({ accountId: "acc", userId: "u1" }).map((o) => o.clientId)).toEqual(["1"]);
        expect(store.outbound.list({ sinceMs: 20, limit: 1 }).map((o) => o.clientId)).toEqual(["3"]);
      });
    });

    describe("context tokens", () => {
      it("counts sends and resets the count when a new token is set", () => {
        store.contextTokens.set("acc", "u1", "t1", 1);
        expect(store.contextTokens.countSend("acc", "u1")).toBe(1);
        expect(store.contextTokens.countSend("acc", "u1")).toBe(2);
        expect(store.contextTokens.get("acc", "u1")).toMatchObject({
          token: "t1",
          sendCount: 2,
          updatedAtMs: 1,
        });
        store.contextTokens.set("acc", "u1", "t2", 5);
        expect(store.contextTokens.get("acc", "u1")).toMatchObject({
          token: "t2",
          sendCount: 0,
          updatedAtMs: 5,
        });
        expect(store.contextTokens.countSend("acc", "u1")).toBe(1);
      });

      it("a repeated token from a new inbound message still opens a fresh quota", () => {
        store.contextTokens.set("acc", "u1", "same", 1);
        store.contextTokens.countSend("acc", "u1");
        store.contextTokens.set("acc", "u1", "same", 2);
        expect(store.contextTokens.get("acc", "u1")?.sendCount).toBe(0);
      });

      it("countSend without a token counts nothing; clear drops an account's tokens", () => {
        expect(store.contextTokens.countSend("acc", "nobody")).toBe(0);
        expect(store.contextTokens.get("acc", "nobody")).toBeUndefined();
        store.contextTokens.set("acc", "u1", "t", 1);
        store.contextTokens.set("other", "u1", "t", 1);
        store.contextTokens.clear("acc");
        expect(store.contextTokens.get("acc", "u1")).toBeUndefined();
        expect(store.contextTokens.get("other", "u1")).toBeDefined();
      });
    });

    describe("sessions", () => {
      it("puts, replaces, gets and removes per account, contact and agent", () => {
        store.sessions.put("acc", "u1", "acp", { sessionId: "s1" }, 1);
        store.sessions.put("acc", "u1", "builtin", [{ role: "user", content: "hi" }], 2);
        store.sessions.put("acc", "u1", "acp", { sessionId: "s2" }, 3);
        expect(store.sessions.get("acc", "u1", "acp")).toEqual({
          accountId: "acc",
          userId: "u1",
          agent: "acp",
          data: { sessionId: "s2" },
          updatedAtMs: 3,
        });
        expect(store.sessions.get("acc", "u1", "builtin")?.data).toEqual([{ role: "user", content: "hi" }]);
        store.sessions.remove("acc", "u1", "acp");
        expect(store.sessions.get("acc", "u1", "acp")).toBeUndefined();
        expect(store.sessions.get("acc", "u1", "builtin")).toBeDefined();
      });
    });

    describe("history retention", () => {
      /** Ten finished messages of "acc" received at 10, 20 … 100, each answered by one sent bubble. */
      const seed = () => {
        const ids: number[] = [];
        for (let i = 1; i <= 10; i++) {
          const [m] = store.inbound.recordPoll("acc", undefined, [inbound(`id:${i}`)], i * 10);
          const id = m?.id ?? -1;
          store.inbound.setState(id, "done");
          const [b] = store.outbound.enqueue([bubble(`r-${i}`, { inboundId: id })], i * 10);
          store.outbound.markSent(b?.id ?? -1, i * 10 + 1);
          ids.push(id);
        }
        return ids;
      };

      it("deletes finished rows older than the age limit, oldest first, in batches", () => {
        const ids = seed();
        const first = store.history.pruneBatch("acc", { beforeMs: 45 }, 2);
        expect(first).toEqual({ inboundIds: ids.slice(0, 2), outbound: 2 });
        const second = store.history.pruneBatch("acc", { beforeMs: 45 }, 10);
        expect(second).toEqual({ inboundIds: ids.slice(2, 4), outbound: 2 });
        expect(store.history.pruneBatch("acc", { beforeMs: 45 }, 10)).toEqual({
          inboundIds: [],
          outbound: 0,
        });
        expect(store.inbound.list({ accountId: "acc" })).toHaveLength(6);
        expect(store.outbound.list({ accountId: "acc" })).toHaveLength(6);
      });

      it("keeps the newest N per account and direction, and other accounts untouched", () => {
        const ids = seed();
        store.inbound.recordPoll("other", undefined, [inbound("id:x")], 1);
        // The third newest of each direction, and everything below it goes.
        const third = (table: "inbound" | "outbound") =>
          (store.history.olderId(table, "acc", 1e9, 3) ?? 0) - 1;
        const rule = { cutoffs: { inboundId: third("inbound"), outboundId: third("outbound") } };
        expect(rule.cutoffs.inboundId).toBe(ids[6]);
        expect(store.history.olderId("inbound", "acc", ids[2] ?? 0, 2)).toBe(ids[0]);
        expect(store.history.olderId("inbound", "acc", ids[2] ?? 0, 3)).toBeUndefined();
        expect(store.history.pruneBatch("acc", rule, 4).inboundIds).toEqual(ids.slice(0, 4));
        expect(store.history.pruneBatch("acc", rule, 100).inboundIds).toEqual(ids.slice(4, 7));
        expect(store.history.pruneBatch("acc", rule, 100).inboundIds).toEqual([]);
        expect(store.inbound.list({ accountId: "acc" }).map((m) => m.id)).toEqual(ids.slice(7).reverse());
        expect(store.outbound.list({ accountId: "acc" })).toHaveLength(3);
        expect(store.inbound.list({ accountId: "other" })).toHaveLength(1);
      });

      it("never deletes an unfinished message, a queued reply or a bubble waiting in the outbox", () => {
        const [pending, processing, answered, refused] = store.inbound
          .recordPoll(
            "acc",
            undefined,
            ["1", "2", "3", "4"].map((k) => inbound(`id:${k}`)),
            1,
          )
          .map((m) => m.id) as [number, number, number, number];
        store.inbound.setState(processing, "processing");
        store.inbound.setState(answered, "done");
        store.inbound.setState(refused, "refused", "malformed");
        // The answered message's reply is still deferred (quota spent): it stays, and so does its message.
        const [waiting] = store.outbound.enqueue([bubble("w-0", { inboundId: answered })], 1);
        store.outbound.defer(waiting?.id ?? -1, "quota");
        const [queued] = store.outbound.enqueue([bubble("q-0")], 1);
        const got = store.history.pruneBatch("acc", { beforeMs: 1_000 }, 100);
        expect(got).toEqual({ inboundIds: [refused], outbound: 0 });
        expect(store.inbound.get(pending)).toBeDefined();
        expect(store.inbound.get(processing)).toBeDefined();
        expect(store.inbound.get(answered)).toBeDefined();
        expect(store.outbound.deferred("acc", "u1").map((b) => b.id)).toEqual([waiting?.id]);
        expect(store.outbound.pending("acc").map((b) => b.id)).toEqual([queued?.id]);
      });
    });

    describe("transaction", () => {
      it("commits together and rolls back together", () => {
        const result = store.transaction(() => {
          store.cursors.set("acc", "c1");
          store.contacts.see("acc", "u1", 1);
          return 42;
        });
        expect(result).toBe(42);
        expect(() =>
          store.transaction(() => {
            store.cursors.set("acc", "c2");
            store.inbound.recordPoll("acc", "c3", [inbound("id:1")], 1); // nests inside
            throw new Error("boom");
          }),
        ).toThrow("boom");
        expect(store.cursors.get("acc")).toBe("c1");
        expect(store.inbound.list({})).toEqual([]);
      });
    });
  });
}
