import { describe, expect, it } from "vitest";
import { MAX_WIRE_DEPTH, nestsDeeperThan } from "./json-depth.js";

describe("nestsDeeperThan", () => {
  it("counts objects and arrays, not scalars, and stops past the limit", () => {
    expect(nestsDeeperThan("x", 0)).toBe(false);
    expect(nestsDeeperThan([], 0)).toBe(true);
    expect(nestsDeeperThan({ a: [1, { b: null }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: {} }] }, 3)).toBe(true);
    let deep: unknown[] = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(nestsDeeperThan({ item_list: [deep] }, MAX_WIRE_DEPTH)).toBe(true);
  });

  it("lets a real message through: a quoted image inside a text item", () => {
    const msg = {
      from_user_id: "u",
      item_list: [
        {
          type: 1,
          text_item: { text: "look" },
          ref_msg: {
            message_item: { type: 2, image_item: { media: { encrypt_query_param: "p", aes_key: "k" } } },
          },
        },
      ],
    };
    expect(nestsDeeperThan(msg, 8)).toBe(false);
  });
});
