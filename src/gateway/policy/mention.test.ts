import { describe, expect, it } from "vitest";
import { detectAddress } from "./mention.js";

const opts = { mentionNames: ["Helper", "@小助手"], prefixes: ["/ai", "bot:"] };

describe("detectAddress", () => {
  it("finds a mention at the start and strips it with the WeChat U+2005 space", () => {
    expect(detectAddress("@Helper\u2005what time is it?", opts)).toEqual({
      addressed: true,
      via: "mention",
      text: "what time is it?",
    });
  });

  it("matches names case-insensitively, anywhere, with or without @ in the config", () => {
    expect(detectAddress("hi @helper how are you", opts)).toEqual({
      addressed: true,
      via: "mention",
      text: "hi how are you",
    });
    expect(detectAddress("@小助手 翻译一下", opts)).toMatchObject({ addressed: true, text: "翻译一下" });
    expect(detectAddress("@Helper, summarise", opts)).toMatchObject({ text: "summarise" });
  });

  it("leaves no blank before punctuation where a mid-text mention was", () => {
    expect(detectAddress("thanks @Helper, see you", opts)).toMatchObject({ text: "thanks, see you" });
    expect(detectAddress("well done @小助手！", opts)).toMatchObject({ text: "well done！" });
    expect(detectAddress("line one\n@Helper, line two", opts)).toMatchObject({
      text: "line one\n, line two",
    });
  });

  it("needs the whole name: @Helpers or an e-mail address is no mention", () => {
    expect(detectAddress("@Helpers assemble", opts)).toEqual({ addressed: false });
    expect(detectAddress("mail me at x@Helper.com", opts)).toEqual({ addressed: false });
    expect(detectAddress("just chatting", opts)).toEqual({ addressed: false });
  });

  it("takes prefixes only at the start, as whole words when they end in a letter", () => {
    expect(detectAddress("  /ai   list the files", opts)).toEqual({
      addressed: true,
      via: "prefix",
      text: "list the files",
    });
    expect(detectAddress("/AI hello", opts)).toMatchObject({ addressed: true, text: "hello" });
    expect(detectAddress("/aim high", opts)).toEqual({ addressed: false });
    expect(detectAddress("bot:hello", opts)).toMatchObject({ addressed: true, text: "hello" });
    expect(detectAddress("ask /ai later", opts)).toEqual({ addressed: false });
  });

  it("keeps line breaks and indentation of the rest", () => {
    const r = detectAddress("@Helper fix this:\n  if (x) {\n    y();\n  }", opts);
    expect(r).toMatchObject({ text: "fix this:\n  if (x) {\n    y();\n  }" });
  });

  it("a bare mention leaves empty text", () => {
    expect(detectAddress("@Helper", opts)).toEqual({ addressed: true, via: "mention", text: "" });
  });
});
