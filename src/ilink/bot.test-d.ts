/**
 * Type tests for the bot's public types (checked by `tsc -p tsconfig.typetest.json`, part of
 * `npm run typecheck`): filter queries narrow the context, middleware composes, `MessageItem`
 * discriminates on `type`. Each `@ts-expect-error` fails the check if the line stops erroring.
 */
import { expectTypeOf } from "vitest";
import {
  type Api,
  Bot,
  type BotError,
  Composer,
  type Context,
  type FileMessageItem,
  type Filter,
  type ImageItem,
  type MessageItem,
  MessageItemType,
  type MiddlewareFn,
  type TextMessageItem,
} from "./index.js";
import type { SendResult } from "./send.js";

const bot = new Bot({ token: "t" });

// Filter queries narrow the matching getter from optional to present.
bot.on("message:text", (ctx) => {
  expectTypeOf(ctx.textItem.text_item.text).toEqualTypeOf<string>();
  expectTypeOf(ctx.text).toEqualTypeOf<string>();
  expectTypeOf(ctx.imageItem).toEqualTypeOf<Context["imageItem"]>();
});
bot.on("message:image", (ctx) => expectTypeOf(ctx.imageItem.image_item).toEqualTypeOf<ImageItem>());
bot.on("message:file", (ctx) =>
  expectTypeOf(ctx.fileItem.file_item.file_name).toEqualTypeOf<string | undefined>(),
);
bot.on("message:voice", (ctx) =>
  expectTypeOf(ctx.voiceItem.voice_item.text).toEqualTypeOf<string | undefined>(),
);
bot.on("message:video", (ctx) =>
  expectTypeOf(ctx.videoItem.video_item.play_length).toEqualTypeOf<number | undefined>(),
);
bot.on("message", (ctx) => {
  expectTypeOf(ctx).toEqualTypeOf<Context & object>();
  // @ts-expect-error: without a filter the text item may be missing
  void ctx.textItem.text_item;
});
// A list of queries gives a union: only what all of them guarantee is present.
bot.on(["message:image", "message:video"], (ctx) => {
  expectTypeOf(ctx).toEqualTypeOf<Filter<Context, "message:image"> | Filter<Context, "message:video">>();
  // @ts-expect-error: a video message has no image item
  void ctx.imageItem.image_item;
});
// @ts-expect-error: unknown query
bot.on("message:sticker", () => {});

// Middleware: (ctx, next), next returns a promise; on/use/catch chain on the bot.
expectTypeOf(bot.use(async (_ctx, next) => next())).toEqualTypeOf<Bot>();
expectTypeOf(bot.catch((err) => expectTypeOf(err).toEqualTypeOf<BotError>())).toEqualTypeOf<Bot>();
bot.on("error", (err) => expectTypeOf(err.ctx).toEqualTypeOf<Context>());
const mw: MiddlewareFn<Context> = async (_ctx, next) => {
  expectTypeOf(next).returns.toEqualTypeOf<Promise<void>>();
  await next();
};
bot.use(mw, new Composer<Context>());
// Composer.on returns a child composer of the narrowed context.
expectTypeOf(new Composer<Context>().on("message:file")).toEqualTypeOf<
  Composer<Filter<Context, "message:file">>
>();

// Api: on the bot and on every context.
expectTypeOf(bot.api).toEqualTypeOf<Api>();
bot.on("message", (ctx) => {
  expectTypeOf(ctx.api.sendText).returns.resolves.toEqualTypeOf<SendResult>();
  expectTypeOf(ctx.reply).parameter(0).toEqualTypeOf<string>();
});
expectTypeOf(bot.drain).returns.resolves.toEqualTypeOf<boolean>();
expectTypeOf(bot.stop).returns.resolves.toEqualTypeOf<void>();

// MessageItem discriminates on type.
declare const item: MessageItem;
if (item.type === MessageItemType.TEXT) expectTypeOf(item).toEqualTypeOf<TextMessageItem>();
if (item.type === MessageItemType.FILE) {
  expectTypeOf(item).toEqualTypeOf<FileMessageItem>();
  expectTypeOf(item.text_item).toEqualTypeOf<undefined>();
}
// @ts-expect-error: a FILE item cannot carry a text payload
const wrong: MessageItem = { type: MessageItemType.FILE, text_item: { text: "x" } };
void wrong;
