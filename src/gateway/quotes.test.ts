import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MessageItem, MessageItemType, type PartialText } from "../ilink/wire.js";
import { asyncStore } from "../store/async.js";
import { openStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { inboundMediaDir } from "./media/inbound.js";
import { QUOTE_NOT_FOUND, restoreQuote, selectPartial } from "./quotes.js";

const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

describe("selectPartial (docs/protocol.md §6.3)", () => {
  it("selects the reference example: abcedfabcgh, start a/1, end c/1 → abc", async () => {
    expect(selectPartial("abcedfabcgh", { start: "a", startindex: 1, end: "c", endindex: 1 })).toBe("abc");
  });

  it("reading (b) counts the end from just after the start; the MD5 picks between readings", async () => {
    // Start A (index 0) is at 2. End B index 1: (a) across the text, Bs at 0, 4, 6 → 4 → "AyB";
    // (b) after the start match, Bs at 4, 6 → 6 → "AyBzB".
    const partial = { start: "A", startindex: 0, end: "B", endindex: 1 };
    expect(selectPartial("BxAyBzB", partial)).toBe("AyB");
    expect(selectPartial("BxAyBzB", { ...partial, quotemd5: md5("AyBzB") })).toBe("AyBzB");
    expect(selectPartial("BxAyBzB", { ...partial, quotemd5: md5("AyB").toUpperCase() })).toBe("AyB");
  });

  it("falls back to the whole text when nothing matches or the MD5 matches no candidate", async () => {
    expect(selectPartial("hello", { start: "q", end: "o" })).toBe("hello");
    expect(selectPartial("hello", { start: "h", end: "l", quotemd5: md5("nope") })).toBe("hello");
    expect(selectPartial("hello", { start: "l", end: "h" })).toBe("hello"); // end before start
    expect(selectPartial("hello", {})).toBe("hello");
    // Junk from the wire never throws.
    const junk = {
      start: 5,
      end: ["o"],
      startindex: -3,
      endindex: "x",
      quotemd5: 7,
    } as unknown as PartialText;
    expect(selectPartial("hello", junk)).toBe("hello");
    expect(selectPartial("hello", { start: "h", end: "o", endindex: 1e9 } as PartialText)).toBe("hello");
  });
});

describe("restoreQuote", () => {
  let store: Store;
  let dir: string;
  beforeEach(() => {
    store = openStore(":memory:");
    dir = mkdtempSync(join(tmpdir(), "wxagent-quotes-"));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const text = (t: string): MessageItem => ({ type: MessageItemType.TEXT, text_item: { text: t } });
  const quoting = (ref: MessageItem["ref_msg"], fromUserId = "u1") => ({
    accountId: "acc",
    fromUserId,
    items: [{ ...text("what about this?"), ref_msg: ref }],
  });
  const received = (messageId: string, items: MessageItem[]) => {
    const [m] = store.inbound.recordPoll(
      "acc",
      undefined,
      [{ fromUserId: "u1", messageId, dedupKey: `id:${messageId}`, items }],
      1,
    );
    if (!m) throw new Error("not recorded");
    return m;
  };

  it("restores a message the contact sent, by svr_id, narrowed by partial_text", async () => {
    received("7390000000000000001", [text("the meeting is at 3pm in room 4")]);
    expect(await restoreQuote(asyncStore(store), quoting({ svr_id: "7390000000000000001" }))).toEqual({
      text: "the meeting is at 3pm in room 4",
    });
    expect(
      await restoreQuote(
        asyncStore(store),
        quoting({ svr_id: "7390000000000000001", partial_text: { start: "3pm", end: "4" } }),
      ),
    ).toEqual({ text: "3pm in room 4" });
  });

  it("restores a quoted picture with the file kept under the message's media directory", async () => {
    const m = received("7390000000000000002", [{ type: MessageItemType.IMAGE, image_item: {} }]);
    const mediaDir = join(dir, "media");
    const kept = inboundMediaDir(mediaDir, "acc", m.id);
    mkdirSync(kept, { recursive: true });
    writeFileSync(join(kept, "0.jpg"), "jpeg");
    expect(
      (await restoreQuote(asyncStore(store), quoting({ svr_id: "7390000000000000002" }), { mediaDir }))
        ?.media,
    ).toMatchObject({
      kind: "image",
      path: join(kept, "0.jpg"),
    });
    // Gone from disk: the agent is told so instead of getting a dangling path.
    rmSync(kept, { recursive: true });
    expect(
      (await restoreQuote(asyncStore(store), quoting({ svr_id: "7390000000000000002" }), { mediaDir }))
        ?.media,
    ).toMatchObject({
      kind: "image",
      error: "the quoted media is no longer kept",
    });
  });

  it("restores one of our own replies by the id the server gave it, text or file", async () => {
    const [t, f] = store.outbound.enqueue(
      [
        {
          accountId: "acc",
          toUserId: "u1",
          seq: 0,
          clientId: "c0",
          kind: "text",
          text: "Paris is the capital",
        },
        {
          accountId: "acc",
          toUserId: "u1",
          seq: 1,
          clientId: "c1",
          kind: "file",
          filePath: join(dir, "report.pdf"),
        },
      ],
      1,
    );
    store.outbound.markSent(t?.id ?? -1, 2, "srv-text");
    store.outbound.markSent(f?.id ?? -1, 2, "srv-file");
    writeFileSync(join(dir, "report.pdf"), "%PDF");
    expect(await restoreQuote(asyncStore(store), quoting({ svr_id: "srv-text" }))).toEqual({
      text: "Paris is the capital",
    });
    expect(await restoreQuote(asyncStore(store), quoting({ svr_id: "srv-file" }))).toEqual({
      media: { kind: "file", name: "report.pdf", path: join(dir, "report.pdf") },
    });
  });

  it("says so when the quoted message is not in the store", async () => {
    expect(await restoreQuote(asyncStore(store), quoting({ svr_id: "999" }))).toEqual({
      text: QUOTE_NOT_FOUND,
    });
  });

  it("leaves inline quotes (title or message_item) and messages without a quote alone", async () => {
    received("1", [text("stored")]);
    expect(await restoreQuote(asyncStore(store), quoting({ svr_id: "1", title: "inline" }))).toBeUndefined();
    expect(
      await restoreQuote(asyncStore(store), quoting({ svr_id: "1", message_item: text("inline") })),
    ).toBeUndefined();
    expect(
      await restoreQuote(asyncStore(store), {
        accountId: "acc",
        fromUserId: "u1",
        items: [text("no quote")],
      }),
    ).toBeUndefined();
    // The quoted id may also come as message_item.msg_id with no content.
    expect(await restoreQuote(asyncStore(store), quoting({ message_item: { msg_id: "1" } }))).toEqual({
      text: "stored",
    });
  });

  it("resolves only inside the quoting conversation: another contact's message or our reply to it is not found", async () => {
    received("7390000000000000009", [text("A's door code is 4711")]);
    const [reply] = store.outbound.enqueue(
      [{ accountId: "acc", toUserId: "u1", seq: 0, clientId: "r0", kind: "text", text: "noted: 4711" }],
      1,
    );
    store.outbound.markSent(reply?.id ?? -1, 2, "srv-reply-to-a");
    for (const svr_id of ["7390000000000000009", "srv-reply-to-a"]) {
      expect(await restoreQuote(asyncStore(store), quoting({ svr_id }, "u2"))).toEqual({
        text: QUOTE_NOT_FOUND,
      });
      expect((await restoreQuote(asyncStore(store), quoting({ svr_id }, "u1")))?.text).toContain("4711");
    }
  });

  it("in a group, members quote the group's messages, but not from a direct chat or another group", async () => {
    const [m] = store.inbound.recordPoll(
      "acc",
      undefined,
      [
        {
          fromUserId: "u1",
          groupId: "g1",
          messageId: "g-msg",
          dedupKey: "id:g-msg",
          items: [text("group secret")],
        },
      ],
      1,
    );
    expect(m).toBeDefined();
    const inGroup = (fromUserId: string, groupId?: string) => ({
      ...quoting({ svr_id: "g-msg" }, fromUserId),
      ...(groupId ? { groupId } : {}),
    });
    expect(await restoreQuote(asyncStore(store), inGroup("u2", "g1"))).toEqual({ text: "group secret" });
    expect(await restoreQuote(asyncStore(store), inGroup("u2", "g2"))).toEqual({ text: QUOTE_NOT_FOUND });
    expect(await restoreQuote(asyncStore(store), inGroup("u1"))).toEqual({ text: QUOTE_NOT_FOUND });
  });
});
