/**
 * Every catalogue of words wxagent says, in both languages: each key has English and Chinese,
 * both sides read the same parameters and keep the same `code` spans (shared/i18n.ts explains the
 * check). The gateway's, the media notices', the agents', the admin UI's and the chat page's.
 */
import { describe, expect, it } from "vitest";
import { OP_TRANSLATIONS } from "../../src/admin/api-docs-zh.js";
import { EXPIRED_FIX } from "../../src/admin/data.js";
import { fixText } from "../../src/admin/fix-text.js";
import { dict } from "../../src/admin/i18n.js";
import { AGENT_TEXTS } from "../../src/agent/texts.js";
import { MEDIA_TEXTS } from "../../src/gateway/media/texts.js";
import { EXPIRED_REASON } from "../../src/gateway/poller.js";
import { SCHEDULE_TEXTS } from "../../src/gateway/schedule/texts.js";
import { GATEWAY_TEXTS } from "../../src/gateway/texts.js";
import { DEFAULT_NO_OWNER, DEFAULT_NO_POLLER, pollFailureFix, replacedReason } from "../../src/ops/health.js";
import { OPS } from "../../src/ops/index.js";
import { catalogueProblems, codeSpans, dictionaryProblems, LANGUAGES } from "../../src/shared/i18n.js";
import { dictionaries } from "../../src/simulator/chat/i18n.js";
import type { Account } from "../../src/store/types.js";

/** An account whose polls fail, for the poller's fix sentences. */
const polled: Account = {
  id: "b1@im.bot",
  baseUrl: "https://ilinkai.weixin.qq.com",
  cdnBaseUrl: "https://novac2c.cdn.weixin.qq.com/c2c",
  token: "t",
  state: "active",
  createdAtMs: 0,
  updatedAtMs: 0,
  pollFailures: 3,
};

const CATALOGUES = {
  gateway: GATEWAY_TEXTS,
  media: MEDIA_TEXTS,
  agent: AGENT_TEXTS,
  schedule: SCHEDULE_TEXTS,
};

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

  it("the REST API page: every operation's current title and description in Chinese, commands kept", () => {
    const stale = OPS.filter((op) => {
      const tr = OP_TRANSLATIONS[op.name];
      return tr?.title.en !== op.title || tr.description.en !== op.description;
    }).map((op) => op.name);
    expect(stale, "operations whose English changed since it was translated").toEqual([]);
    for (const tr of Object.values(OP_TRANSLATIONS)) {
      expect(codeSpans(tr.description.zh)).toEqual(codeSpans(tr.description.en));
    }
  });

  it("the admin UI's fix sentences the gateway stores are shown in Chinese, commands kept", () => {
    const known = [
      EXPIRED_REASON,
      EXPIRED_FIX,
      "replaced by a newer login of the same WeChat user (b2@im.bot); remove it with `wxagent accounts remove b1@im.bot`",
      "account disabled",
      replacedReason("b2@im.bot", "b1@im.bot"),
      ...["http://127.0.0.1:9/", "https://ilinkai.weixin.qq.com"].flatMap((baseUrl) =>
        ["fetch failed: ECONNREFUSED", "HTTP 502", "bad answer"].map((lastPollError) =>
          pollFailureFix({ ...polled, baseUrl, lastPollError }),
        ),
      ),
      DEFAULT_NO_POLLER,
      DEFAULT_NO_OWNER,
    ];
    for (const en of known) {
      const zh = fixText(en, "zh-CN");
      expect(zh, en).toMatch(/\p{Script=Han}/u);
      expect(codeSpans(zh), en).toEqual(codeSpans(en));
      expect(fixText(en, "en")).toBe(en);
    }
    expect(fixText("something new", "zh-CN")).toBe("something new");
  });
});
