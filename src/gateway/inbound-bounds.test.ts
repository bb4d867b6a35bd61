import { describe, expect, it } from "vitest";
import { MessageItemType, type WeixinMessage } from "../ilink/wire.js";
import { describeContent, MAX_ID_BYTES, normalizeInbound, refusedInbound } from "./inbound.js";
import { boundInbound, cutNote, INBOUND_BOUNDS, readCutNote } from "./inbound-bounds.js";

const text = (t: string) => ({ type: MessageItemType.TEXT, text_item: { text: t } });
const msg = (...items: unknown[]): WeixinMessage =>
  ({
    message_id: "m1",
    from_user_id: "u@im.wechat",
    context_token: "ctx",
    item_list: items,
  }) as WeixinMessage;

describe("inbound bounds", () => {
  it("returns a normal message unchanged, the same object", () => {
    const m = msg(text("hello ".repeat(500)), {
      type: MessageItemType.FILE,
      file_item: { file_name: "report.pdf", len: "1234" },
    });
    const b = boundInbound(m);
    expect(b.message).toBe(m);
    expect(b.cuts).toEqual([]);
  });

  it("cuts the text at 20 000 characters with a note that says how much went", () => {
    const b = boundInbound(msg(text("a".repeat(300_000))));
    const t = b.message.item_list?.[0]?.text_item?.text ?? "";
    expect(t).toBe("a".repeat(20_000) + cutNote(280_000));
    expect(readCutNote(t)).toEqual({ text: "a".repeat(20_000), cutChars: 280_000 });
    expect(b.cuts).toEqual(["text: 280000 characters cut"]);
  });

  it("shares the text budget between the items and the quote, in order", () => {
    const m = msg(
      { ...text("b".repeat(15_000)), ref_msg: { title: "t".repeat(10_000) } },
      text("c".repeat(10_000)),
    );
    const items = boundInbound(m).message.item_list ?? [];
    // The first item's text comes first; then its quote's title gets the 5 000 left; nothing for the second.
    expect(items[0]?.text_item?.text).toBe("b".repeat(15_000));
    expect(readCutNote(items[0]?.ref_msg?.title ?? "")).toEqual({ text: "t".repeat(5_000), cutChars: 5_000 });
    expect(readCutNote(items[1]?.text_item?.text ?? "")).toEqual({ text: "", cutChars: 10_000 });
  });

  it("cuts other strings at 4096 characters without a note, and all strings at 64 Ki", () => {
    const name = `x${". ".repeat(150_000)}y.txt`;
    const b = boundInbound(msg({ type: MessageItemType.FILE, file_item: { file_name: name } }));
    expect(b.message.item_list?.[0]?.file_item?.file_name).toBe(name.slice(0, 4064) + name.slice(-32));
    const many = Array.from({ length: 30 }, () => ({
      type: MessageItemType.FILE,
      file_item: { file_name: "n".repeat(4096) },
    }));
    const total = boundInbound(msg(...many)).message.item_list ?? [];
    const chars = total.reduce((s, i) => s + (i.file_item?.file_name?.length ?? 0), 0);
    expect(chars).toBeLessThanOrEqual(INBOUND_BOUNDS.maxTotalChars);
    expect(total.at(-1)?.file_item?.file_name).toBe("");
  });

  it("keeps 64 entries of a long array or a wide object", () => {
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    const b = boundInbound(msg(...Array.from({ length: 1000 }, () => text("x")), { type: 99, extra: wide }));
    expect(b.message.item_list).toHaveLength(64);
    expect(b.cuts).toContain("item_list: 937 entries dropped");
    const o = boundInbound(msg({ type: 99, extra: wide })).message.item_list?.[0] as { extra: object };
    expect(Object.keys(o.extra)).toHaveLength(64);
  });
});

describe("normalizeInbound and describeContent with the bounds", () => {
  it("stores the cut message, says what was cut, and the agent reads the whole count back", () => {
    const n = normalizeInbound(msg(text(`hi${" ".repeat(300_000)}x`)));
    if (!n.ok) throw new Error(n.reason);
    expect(n.cuts).toEqual(["text: 280003 characters cut"]);
    const stored = n.inbound.items[0]?.text_item?.text ?? "";
    expect(stored.length).toBeLessThan(20_100);
    const content = describeContent(n.inbound, 16_000);
    // 280 003 cut on the way in, 4 000 more to fit 16 000: one note with the sum.
    expect(content.truncatedChars).toBe(284_003);
    expect(content.text).toMatch(/\n\[… 284003 more characters cut: the message was too long\]$/);
    expect(content.text).not.toContain("more characters cut]\n");
  });

  it("a message within the bounds has no cuts, and its description has no note", () => {
    const n = normalizeInbound(msg(text("hello")));
    expect(n.ok && n.cuts).toBe(undefined);
    if (n.ok) expect(describeContent(n.inbound, 16_000).text).toBe("hello");
  });
});

describe("ids and times the store can key and keep", () => {
  const wide = "字".repeat(MAX_ID_BYTES / 3 + 1); // one character past the bound in UTF-8 bytes

  it.each(["from_user_id", "group_id", "message_id"] as const)(
    "refuses a message whose %s is longer than an id can be, keeping a record without it",
    (field) => {
      const n = normalizeInbound({ ...msg(text("hi")), [field]: wide });
      expect(n.ok).toBe(false);
      if (n.ok) return;
      expect(n.reason).toContain(field);
      if (field === "from_user_id") expect(n.refused).toBeUndefined();
      else {
        expect(n.refused?.fromUserId).toBe("u@im.wechat");
        expect(JSON.stringify(n.refused)).not.toContain("字");
      }
    },
  );

  it("takes ids up to the bound, counted in bytes", () => {
    const n = normalizeInbound({ ...msg(text("hi")), group_id: "字".repeat(MAX_ID_BYTES / 3 - 1) });
    expect(n.ok).toBe(true);
  });

  it.each([1.5, -1, 2 ** 64, Number.NaN, "17"])("reads create_time_ms %s as no time", (t) => {
    const n = normalizeInbound({ ...msg(text("hi")), create_time_ms: t } as unknown as WeixinMessage);
    expect(n.ok && n.inbound.createTimeMs).toBeUndefined();
    const r = refusedInbound({ from_user_id: "u", create_time_ms: t }, "bad");
    expect(r?.createTimeMs).toBeUndefined();
  });

  it("keeps a real time", () => {
    const n = normalizeInbound({ ...msg(text("hi")), create_time_ms: 1_790_000_000_000 });
    expect(n.ok && n.inbound.createTimeMs).toBe(1_790_000_000_000);
  });
});
