import { describe, expect, it } from "vitest";
import { parseJsonLosslessIds, quoteUint64Ids } from "./json-ids.js";

describe("lossless uint64 ids (§1.10)", () => {
  it("keeps ids above 2^53 exact at the top level", () => {
    const parsed = parseJsonLosslessIds('{"message_id": 7390123456789012345, "seq": 12}') as Record<
      string,
      unknown
    >;
    expect(parsed.message_id).toBe("7390123456789012345");
    expect(parsed.seq).toBe(12); // other numbers stay numbers
    // the naive parse would have lost the last digits
    expect(String(JSON.parse("7390123456789012345"))).not.toBe("7390123456789012345");
  });

  it("rewrites msg_id and svr_id at any depth, nested ref_msg included", () => {
    const text = JSON.stringify({ msgs: [{ item_list: [{ type: 1 }] }] }).replace(
      '{"type":1}',
      '{"type":1,"msg_id":18446744073709551615,"ref_msg":{"svr_id":9007199254740993,' +
        '"message_item":{"msg_id":9007199254740995}}}',
    );
    const parsed = parseJsonLosslessIds(text) as {
      msgs: {
        item_list: { msg_id: string; ref_msg: { svr_id: string; message_item: { msg_id: string } } }[];
      }[];
    };
    const item = parsed.msgs[0]?.item_list[0];
    expect(item?.msg_id).toBe("18446744073709551615");
    expect(item?.ref_msg.svr_id).toBe("9007199254740993");
    expect(item?.ref_msg.message_item.msg_id).toBe("9007199254740995");
  });

  it("keeps a leading minus", () => {
    expect(quoteUint64Ids('{"svr_id": -5}')).toBe('{"svr_id": "-5"}');
  });

  it("leaves ids that are already strings alone", () => {
    const text = '{"message_id":"123","msg_id" : "x"}';
    expect(quoteUint64Ids(text)).toBe(text);
  });

  it("does not touch the key names inside string values", () => {
    const text = '{"text":"\\"message_id\\": 123 and msg_id: 5","message_id":77}';
    const parsed = parseJsonLosslessIds(text) as { text: string; message_id: string };
    expect(parsed.text).toBe('"message_id": 123 and msg_id: 5');
    expect(parsed.message_id).toBe("77");
  });

  it("handles escaped backslashes before a closing quote", () => {
    const text = '{"text":"ends with a backslash \\\\","svr_id":12345678901234567890}';
    const parsed = parseJsonLosslessIds(text) as { text: string; svr_id: string };
    expect(parsed.text).toBe("ends with a backslash \\");
    expect(parsed.svr_id).toBe("12345678901234567890");
  });

  it("treats a value string equal to a key name as a value", () => {
    const text = '{"a":["message_id",1],"b":"msg_id","msg_id":2}';
    expect(parseJsonLosslessIds(text)).toEqual({ a: ["message_id", 1], b: "msg_id", msg_id: "2" });
  });

  it("leaves non-integer numbers, null and other keys as they are", () => {
    const text = '{"message_id":1.5,"msg_id":1e3,"svr_id":null,"message_idx":5,"id":9007199254740993}';
    expect(quoteUint64Ids(text)).toBe(text);
  });

  it("handles whitespace and newlines around the colon", () => {
    expect(quoteUint64Ids('{\n  "message_id"\n :\t42\n}')).toBe('{\n  "message_id"\n :\t"42"\n}');
  });

  it("returns the same text when there is nothing to rewrite, and lets JSON.parse report bad JSON", () => {
    expect(quoteUint64Ids("{}")).toBe("{}");
    expect(() => parseJsonLosslessIds('{"message_id": 1')).toThrow(SyntaxError);
  });
});

describe("lossless uint64 ids in a large poll body", () => {
  it("rewrites every id of a 300 KB body full of quotes, backslashes and look-alike keys, and nothing else", () => {
    const msgs = Array.from({ length: 300 }, (_, n) => ({
      seq: n,
      message_id: `@@${9007199254740993n + BigInt(n)}@@`,
      item_list: [
        {
          type: 1,
          text_item: { text: `${'say "msg_id": 5, \\\\'.repeat(40)}"svr_id":7 \\"message_id\\": 9` },
          ref_msg: { svr_id: `@@${18446744073709551615n - BigInt(n)}@@` },
        },
      ],
    }));
    const text = JSON.stringify({ ret: 0, msgs }).replace(/"@@(\d+)@@"/g, "$1");
    expect(text.length).toBeGreaterThan(300_000);
    const parsed = parseJsonLosslessIds(text) as typeof msgs;
    const plain = JSON.parse(text.replace(/(\d{16,})/g, '"$1"')) as typeof msgs;
    expect(parsed).toEqual(plain);
    const last = (parsed as unknown as { msgs: typeof msgs }).msgs[299];
    expect(last?.message_id).toBe(String(9007199254740993n + 299n));
    expect(last?.item_list[0]?.ref_msg.svr_id).toBe(String(18446744073709551615n - 299n));
    expect(last?.item_list[0]?.text_item.text).toContain('"svr_id":7 \\"message_id\\": 9');
  });

  it("leaves an unterminated string for JSON.parse to report", () => {
    expect(quoteUint64Ids('{"message_id": 1, "text": "open \\"')).toBe(
      '{"message_id": "1", "text": "open \\"',
    );
  });
});
