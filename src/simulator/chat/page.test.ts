import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { createChatPage, dictionaries, loadChatScript, pickLocale } from "./index.js";

describe("pickLocale", () => {
  it("maps any zh tag to zh-CN and en tags to en, honouring q-values", () => {
    expect(pickLocale("zh-CN,zh;q=0.9,en;q=0.8")).toBe("zh-CN");
    expect(pickLocale("zh-TW")).toBe("zh-CN");
    expect(pickLocale("en-US,en;q=0.9")).toBe("en");
    expect(pickLocale("en;q=0.5, zh;q=0.8")).toBe("zh-CN");
    expect(pickLocale("fr-FR, en;q=0.3")).toBe("en");
  });

  it("leaves the choice to the browser when nothing matches", () => {
    expect(pickLocale(undefined)).toBeUndefined();
    expect(pickLocale("")).toBeUndefined();
    expect(pickLocale("fr, de;q=0.5")).toBeUndefined();
    expect(pickLocale("zh;q=0")).toBeUndefined();
  });
});

describe("dictionaries", () => {
  it("have the same keys in both languages", () => {
    expect(Object.keys(dictionaries["zh-CN"]).sort()).toEqual(Object.keys(dictionaries.en).sort());
  });
});

describe("createChatPage", () => {
  const app = createChatPage();

  it("serves the page in Chinese for a Chinese browser", async () => {
    const res = await app.request("/", { headers: { "Accept-Language": "zh-CN,zh;q=0.9" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain("<title>wxagent 模拟器</title>");
    expect(html).toContain("发送");
    expect(html).toContain('"locale":"zh-CN"');
  });

  it("serves the page in English and lets the browser decide without a preference", async () => {
    const en = await (await app.request("/", { headers: { "Accept-Language": "en-GB" } })).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain(">Send<");
    const none = await (await app.request("/")).text();
    expect(none).toContain('"locale":null');
  });

  it("embeds the boot data so no string can close its script element", async () => {
    const html = await (await app.request("/")).text();
    const boot = /<script id="wx-boot" type="application\/json">([^<]*)<\/script>/.exec(html);
    expect(boot?.[1]).toBeDefined();
    const data = JSON.parse(boot?.[1] ?? "") as { dictionaries: typeof dictionaries };
    expect(data.dictionaries["zh-CN"].typing).toBe("对方正在输入…");
  });

  it("serves the stylesheet and a script that parses", async () => {
    const css = await app.request("/chat/app.css");
    expect(css.headers.get("content-type")).toMatch(/text\/css/);
    expect(await css.text()).toContain("#07c160");
    const js = await app.request("/chat/app.js");
    expect(js.headers.get("content-type")).toMatch(/text\/javascript/);
    const body = await js.text();
    expect(body).toBe(await loadChatScript());
    expect(() => new Script(body, { filename: "app.js" })).not.toThrow();
  });
});
