/**
 * Every catalogue of words wxagent says, in both languages: each key has English and Chinese,
 * both sides read the same parameters and keep the same `code` spans (shared/i18n.ts explains the
 * check). The gateway's, the media notices', the agents', the admin UI's and the chat page's.
 */
import { describe, expect, it } from "vitest";
import { dict } from "../../src/admin/i18n.js";
import { AGENT_TEXTS } from "../../src/agent/texts.js";
import { MEDIA_TEXTS } from "../../src/gateway/media/texts.js";
import { GATEWAY_TEXTS } from "../../src/gateway/texts.js";
import { catalogueProblems, dictionaryProblems, LANGUAGES } from "../../src/shared/i18n.js";
import { dictionaries } from "../../src/simulator/chat/i18n.js";

const CATALOGUES = { gateway: GATEWAY_TEXTS, media: MEDIA_TEXTS, agent: AGENT_TEXTS };

describe("catalogues", () => {
  for (const [name, catalogue] of Object.entries(CATALOGUES)) {
    it(`${name}: every key in both languages, same parameters, same commands`, () => {
      expect(catalogueProblems(catalogue)).toEqual([]);
      for (const entry of Object.values(catalogue)) {
        for (const lang of LANGUAGES) expect(entry[lang]).toBeDefined();
      }
    });
  }

  it("the Chinese side is Chinese (no English left in place)", () => {
    // Parameters stand in as "7", so a function side can be read like a string one.
    const seven = new Proxy({}, { get: () => "7" });
    const untranslated: string[] = [];
    for (const [name, catalogue] of Object.entries(CATALOGUES)) {
      for (const [key, entry] of Object.entries(catalogue)) {
        const zh = entry["zh-CN"] as string | ((p: unknown) => string);
        const shown = typeof zh === "string" ? zh : zh(seven);
        if (!/\p{Script=Han}/u.test(shown)) untranslated.push(`${name}.${key}: ${shown}`);
      }
    }
    expect(untranslated).toEqual([]);
  });

  it("the admin UI's dictionaries", () => {
    expect(dictionaryProblems({ en: dict("en"), "zh-CN": dict("zh-CN") })).toEqual([]);
  });

  it("the chat page's dictionaries", () => {
    expect(dictionaryProblems(dictionaries)).toEqual([]);
  });
});
