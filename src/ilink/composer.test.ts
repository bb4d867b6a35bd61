import { describe, expect, it } from "vitest";
import { ILinkClient } from "./client.js";
import { Composer } from "./composer.js";
import { Context } from "./context.js";
import { matchFilter } from "./filter.js";
import { TypingTickets } from "./typing.js";
import { MessageItemType, type WeixinMessage } from "./wire.js";

const client = new ILinkClient({ token: "t", fetch: async () => new Response("{}") });
const env = { client, tickets: new TypingTickets(client), signal: new AbortController().signal };
const ctxOf = (item_list: WeixinMessage["item_list"]) =>
  new Context({ from_user_id: "a@im.wechat", item_list }, env);
const text = ctxOf([{ type: MessageItemType.TEXT, text_item: { text: "hi" } }]);
const image = ctxOf([{ type: MessageItemType.IMAGE, image_item: { url: "u" } }]);
const run = (c: Composer, ctx: Context) => c.middleware()(ctx, async () => {});

describe("Composer", () => {
  it("runs middleware in order, koa-style: code after next() runs after the rest of the chain", async () => {
    const order: string[] = [];
    const c = new Composer();
    c.use(async (_ctx, next) => {
      order.push("a:before");
      await next();
      order.push("a:after");
    });
    c.use(() => void order.push("b"));
    c.use(() => void order.push("never: b did not call next"));
    await run(c, text);
    expect(order).toEqual(["a:before", "b", "a:after"]);
  });

  it("routes by filter query; a non-matching branch passes to the next middleware", async () => {
    const seen: string[] = [];
    const c = new Composer();
    c.on("message:image", (ctx) => void seen.push(`image ${ctx.imageItem.image_item.url}`));
    c.on("message:text", (ctx) => void seen.push(`text ${ctx.textItem.text_item.text}`));
    c.on(["message:file", "message:video"], () => void seen.push("file or video"));
    await run(c, text);
    await run(c, image);
    expect(seen).toEqual(["text hi", "image u"]);
  });

  it("filter/drop take predicates, and use() returns a child that later use() calls extend", async () => {
    const seen: string[] = [];
    const c = new Composer();
    const child = c.filter((ctx) => ctx.from === "a@im.wechat");
    c.drop(
      (ctx) => ctx.from === "a@im.wechat",
      () => void seen.push("dropped branch ran"),
    );
    child.use(async (_ctx, next) => {
      seen.push("child");
      await next();
    });
    await run(c, text);
    expect(seen).toEqual(["child"]);
  });

  it("throws when a middleware calls next twice", async () => {
    const c = new Composer(async (_ctx, next) => {
      await next();
      await next();
    });
    await expect(run(c, text)).rejects.toThrow(/more than once/);
  });

  it("rejects an unknown filter query when installed, not silently later", () => {
    expect(() => matchFilter("message:sticker" as "message")).toThrow(
      /unknown filter query "message:sticker"/,
    );
    expect(() => new Composer().on([])).toThrow(/at least one query/);
  });

  it("message:text needs a string text; message:image needs the image payload", () => {
    expect(matchFilter("message:text")(ctxOf([{ type: MessageItemType.TEXT, text_item: {} }]))).toBe(false);
    expect(matchFilter("message:image")(ctxOf([{ type: MessageItemType.IMAGE }]))).toBe(false);
    expect(matchFilter("message")(ctxOf([]))).toBe(true);
    expect(text.textItem?.text_item?.text).toBe("hi");
    expect(text.imageItem).toBeUndefined();
  });
});
