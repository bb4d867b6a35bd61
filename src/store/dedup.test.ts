import { describe, expect, it } from "vitest";
import type { WeixinMessage } from "../ilink/wire.js";
import { canonicalJson, contentKey, dedupKey, toNewInbound } from "./dedup.js";

const base: WeixinMessage = {
  message_id: "7000000000000000001",
  from_user_id: "wxid_a@im.wechat",
  create_time_ms: 1_700_000_000_000,
  item_list: [{ type: 1, msg_id: "m1", create_time_ms: 1_700_000_000_000, text_item: { text: "怎么样了" } }],
};

const image = (eqp: string, key: string): WeixinMessage => ({
  from_user_id: "wxid_a@im.wechat",
  create_time_ms: 1_700_000_000_500,
  item_list: [
    {
      type: 2,
      msg_id: `m-${eqp}`,
      image_item: {
        media: { encrypt_query_param: eqp, aes_key: key, full_url: `https://cdn/${eqp}`, encrypt_type: 1 },
        aeskey: key,
        mid_size: 1234,
      },
    },
  ],
});

describe("dedupKey", () => {
  it("uses the server message id when there is one", () => {
    expect(dedupKey(base)).toBe("id:7000000000000000001");
  });

  it("falls back to the content hash when message_id is missing or empty", () => {
    const noId = { ...base, message_id: "" };
    expect(dedupKey(noId)).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(dedupKey(noId)).toBe(contentKey(base));
    expect(dedupKey({ ...base, message_id: undefined })).toBe(contentKey(base));
  });
});

describe("contentKey", () => {
  it("matches a redelivery that came with a new message_id and new item ids", () => {
    const redelivered: WeixinMessage = {
      ...base,
      message_id: "7000000000000000999",
      item_list: [
        { type: 1, msg_id: "m2", create_time_ms: 1_700_000_006_000, text_item: { text: "怎么样了" } },
      ],
    };
    expect(dedupKey(redelivered)).not.toBe(dedupKey(base));
    expect(contentKey(redelivered)).toBe(contentKey(base));
  });

  it("matches a redelivered image whose CDN parameters and keys were re-issued", () => {
    expect(contentKey(image("eqp-1", "key-1"))).toBe(contentKey(image("eqp-2", "key-2")));
  });

  it("does not drop a genuine repeat: same text, later create time (hermes #36750)", () => {
    const repeat = {
      ...base,
      message_id: "7000000000000000002",
      create_time_ms: (base.create_time_ms ?? 0) + 4000,
    };
    expect(contentKey(repeat)).not.toBe(contentKey(base));
  });

  it("separates senders, groups and contents", () => {
    const k = contentKey(base);
    expect(contentKey({ ...base, from_user_id: "wxid_b@im.wechat" })).not.toBe(k);
    expect(contentKey({ ...base, group_id: "g1" })).not.toBe(k);
    expect(contentKey({ ...base, item_list: [{ type: 1, text_item: { text: "好的" } }] })).not.toBe(k);
  });

  it("ignores the order of fields on the wire", () => {
    const reordered: WeixinMessage = {
      item_list: [{ text_item: { text: "怎么样了" }, type: 1 }],
      create_time_ms: base.create_time_ms,
      from_user_id: base.from_user_id,
    };
    expect(contentKey(reordered)).toBe(contentKey(base));
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"f":1}]},"b":1}',
    );
  });
});

describe("toNewInbound", () => {
  it("maps a wire message to what recordPoll takes", () => {
    expect(toNewInbound({ ...base, context_token: "ctx", group_id: "" })).toEqual({
      fromUserId: "wxid_a@im.wechat",
      groupId: undefined,
      messageId: "7000000000000000001",
      dedupKey: "id:7000000000000000001",
      contextToken: "ctx",
      createTimeMs: 1_700_000_000_000,
      items: base.item_list,
    });
  });

  it("hashes a message nested 20 000 deep without running out of stack", () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const msg = { ...base, item_list: [{ type: 1, text_item: { text: "x" }, deep } as never] };
    expect(contentKey(msg)).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(canonicalJson({ deep })).toBe(`{"deep":${"[".repeat(20_001)}${"]".repeat(20_001)}}`);
  });
});
