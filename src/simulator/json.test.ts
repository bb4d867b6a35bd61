import { describe, expect, it } from "vitest";
import { verifies } from "../../test/protocol/requirements.js";
import { parseJsonLossless, quoteUint64Values, toJsonText } from "./json.js";

describe("simulator JSON", () => {
  it(`writes bigint ids as raw numbers above 2^53 ${verifies("ids:uint64")}`, () => {
    const id = 7_390_000_000_000_000_123n;
    const text = toJsonText({ message_id: id, ref: { svr_id: id }, skip: undefined, list: [1, "a"] });
    expect(text).toBe(
      '{"message_id":7390000000000000123,"ref":{"svr_id":7390000000000000123},"list":[1,"a"]}',
    );
    // What a careless client would get: digits lost.
    expect(String((JSON.parse(text) as { message_id: number }).message_id)).not.toBe("7390000000000000123");
  });

  it("reads uint64 keys losslessly and leaves strings and other numbers alone", () => {
    const text =
      '{"msg_id": -5, "svr_id":18446744073709551615,"seq":3,"t":"\\"message_id\\":1","message_id":"7"}';
    expect(quoteUint64Values(text)).toBe(
      '{"msg_id": "-5", "svr_id":"18446744073709551615","seq":3,"t":"\\"message_id\\":1","message_id":"7"}',
    );
    expect(parseJsonLossless(text)).toEqual({
      msg_id: "-5",
      svr_id: "18446744073709551615",
      seq: 3,
      t: '"message_id":1',
      message_id: "7",
    });
  });

  it("writes like JSON.stringify, and values nested 100 000 deep without running out of stack", () => {
    const sample = { a: [1, null, undefined, { b: "x", c: undefined }], d: new Date(0), e: [[[]]], f: {} };
    expect(toJsonText(sample)).toBe(JSON.stringify(sample));
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(toJsonText({ deep })).toBe(`{"deep":${"[".repeat(100_001)}${"]".repeat(100_001)}}`);
  });

  it("throws SyntaxError on bad JSON", () => {
    expect(() => parseJsonLossless("{nope")).toThrow(SyntaxError);
  });
});
