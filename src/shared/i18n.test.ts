import { describe, expect, it } from "vitest";
import {
  catalogueProblems,
  codeSpans,
  defineCatalogue,
  dictionaryProblems,
  langOfTag,
  orList,
  systemLanguage,
  text,
  wordsFor,
} from "./i18n.js";

const T = defineCatalogue({
  stopped: { en: "Stopped.", "zh-CN": "已停止。" },
  code: text<{ code: string; minutes: number }>({
    en: (p) => `Code ${p.code}, valid ${p.minutes} min. Run \`wxagent pairing approve\`.`,
    "zh-CN": (p) => `配对码 ${p.code}，${p.minutes} 分钟内有效。运行 \`wxagent pairing approve\`。`,
  }),
  plural: text<{ n: number }>({
    en: (p) => (Number(p.n) === 1 ? "1 message" : `${p.n} messages`),
    "zh-CN": (p) => `${p.n} 条消息`,
  }),
});

describe("a catalogue", () => {
  it("gives one language's column: strings as they are, functions called with named parameters", () => {
    const zh = wordsFor(T, "zh-CN");
    expect(zh.stopped).toBe("已停止。");
    expect(zh.code({ code: "K7P2QX", minutes: 60 })).toBe(
      "配对码 K7P2QX，60 分钟内有效。运行 `wxagent pairing approve`。",
    );
    expect(wordsFor(T, "en").plural({ n: 1 })).toBe("1 message");
    expect(wordsFor(T, "en").plural({ n: 3 })).toBe("3 messages");
    expect(wordsFor(T, "en")).toBe(wordsFor(T, "en"));
  });

  it("a well-made catalogue has no problems", () => {
    expect(catalogueProblems(T)).toEqual([]);
  });

  it("finds a language that leaves out a parameter, an empty side, sides of two kinds, a changed command", () => {
    const bad = {
      dropsParam: {
        en: (p: { code: string; minutes: number }) => `Code ${p.code} (${p.minutes} min)`,
        "zh-CN": (p: { code: string; minutes: number }) => `配对码 ${p.code}`,
      },
      empty: { en: "Stopped.", "zh-CN": " " },
      kinds: { en: "Stopped.", "zh-CN": (p: { n: number }) => `${p.n}` },
      command: { en: "Run `wxagent login`.", "zh-CN": "运行 `wxagent 登录`。" },
      throws: {
        en: (p: { n: number }) => `${p.n}`,
        "zh-CN": (p: { n: number }): string => JSON.parse(`{${p.n}`),
      },
    };
    const problems = catalogueProblems(bad);
    expect(problems).toEqual([
      "dropsParam: en reads {code, minutes} but zh-CN reads {code}",
      "empty: zh-CN is missing or empty",
      "kinds: its languages are not the same kind (string, function)",
      "command: the `code` spans of en and zh-CN differ",
      expect.stringMatching(/^throws: zh-CN throws/),
    ]);
  });

  it("checks flat dictionaries the same way (missing keys, changed commands)", () => {
    expect(
      dictionaryProblems({
        en: { a: "Run `wxagent start`.", b: "B" },
        "zh-CN": { a: "运行 `wxagent start`。" },
      }),
    ).toEqual(["b: zh-CN is missing or empty"]);
  });

  it("the type system refuses an entry missing a language or with other parameters", () => {
    defineCatalogue({
      // @ts-expect-error zh-CN is missing
      onlyEnglish: { en: "Stopped." },
    });
    text<{ code: string }>({
      en: (p) => p.code,
      // @ts-expect-error the parameters are typed by the entry: there is no `number`
      "zh-CN": (p) => String(p.number),
    });
    defineCatalogue({
      // @ts-expect-error a string on one side, a function on the other
      mixed: { en: (p: { n: number }) => `${p.n}`, "zh-CN": "已停止。" },
    });
    expect(true).toBe(true);
  });
});

describe("languages", () => {
  it("reads locale tags: any zh is zh-CN, any other set tag is en", () => {
    expect(langOfTag("zh_CN.UTF-8")).toBe("zh-CN");
    expect(langOfTag("zh-Hans")).toBe("zh-CN");
    expect(langOfTag("zh_TW")).toBe("zh-CN");
    expect(langOfTag("en_US.UTF-8")).toBe("en");
    expect(langOfTag("C.UTF-8")).toBe("en");
    expect(langOfTag("fr_FR")).toBe("en");
    expect(langOfTag("")).toBeUndefined();
    expect(langOfTag(undefined)).toBeUndefined();
  });

  it("takes the system language from LC_ALL, then LC_MESSAGES, then LANG", () => {
    expect(systemLanguage({ LC_ALL: "zh_CN.UTF-8", LANG: "en_US.UTF-8" })).toBe("zh-CN");
    expect(systemLanguage({ LC_ALL: "", LC_MESSAGES: "zh_CN.UTF-8", LANG: "en_US" })).toBe("zh-CN");
    expect(systemLanguage({ LANG: "zh_CN.UTF-8" })).toBe("zh-CN");
    expect(systemLanguage({ LC_ALL: "en_GB.UTF-8", LANG: "zh_CN.UTF-8" })).toBe("en");
    // None set: the runtime's locale decides (whatever this machine's is, it is one of the two).
    expect(["en", "zh-CN"]).toContain(systemLanguage({}));
  });

  it("lists alternatives in each language's form", () => {
    expect(orList("en", ["y", "n"])).toBe("y or n");
    expect(orList("en", ["1", "2", "3"])).toBe("1, 2 or 3");
    expect(orList("zh-CN", ["是", "否"])).toBe("是 或 否");
    expect(orList("zh-CN", ["1", "2", "3"])).toBe("1、2 或 3");
    expect(orList("en", ["y"])).toBe("y");
  });

  it("finds the code spans of a text", () => {
    expect(codeSpans("run `wxagent login` or `wxagent status`")).toEqual(["wxagent login", "wxagent status"]);
  });
});
