/**
 * One bot that shows each SDK feature: middleware (`use`), filter queries that narrow `ctx`,
 * a `Composer` branch, `ctx.api` / `bot.api`, media download, `bot.catch`, `stop()` from inside
 * a handler and `drain()`, and the experts' `wxagent/ilink/crypto` subpath.
 *
 *   WX_TOKEN=… WX_BASE_URL=… npx tsx examples/features.ts
 */
import { fileURLToPath } from "node:url";
import { Bot, type BotOptions, Composer, type Context } from "wxagent/ilink";
import { describeAesStatus } from "wxagent/ilink/crypto";

export function createFeaturesBot(options: BotOptions): Bot {
  const bot = new Bot(options);

  // Middleware runs koa-style around everything after it: time every message.
  bot.use(async (ctx, next) => {
    const startedMs = Date.now();
    await next();
    if (process.env.WX_VERBOSE) process.stderr.write(`${ctx.from}: ${Date.now() - startedMs} ms\n`);
  });

  // A composer groups the commands; a handler that does not call next() ends the chain.
  const commands = new Composer<Context>();
  commands.on("message:text", async (ctx, next) => {
    const text = ctx.textItem.text_item.text; // a string: "message:text" guarantees it
    if (text === "/ping") await ctx.reply("pong");
    else if (text === "/boom") throw new Error("boom");
    else if (text === "/later") {
      // bot.api works outside a context too; here with the message's context token.
      await bot.api.sendText(ctx.from, "a message from bot.api", { contextToken: ctx.contextToken });
    } else if (text === "/stop") {
      await ctx.reply("bye");
      await bot.stop(); // returns, even from inside a handler
    } else await next();
  });
  bot.use(commands);

  // Filter queries narrow ctx: ctx.imageItem and ctx.fileItem are present in these handlers.
  bot.on("message:image", async (ctx) => {
    const media = await ctx.download({ item: ctx.imageItem });
    await ctx.reply(`an image of ${media.size} bytes`);
  });
  bot.on("message:file", (ctx) => ctx.reply(`a file named ${ctx.fileItem.file_item.file_name ?? "?"}`));
  bot.on(["message:voice", "message:video"], (ctx) => ctx.reply(ctx.voiceItem ? "a voice note" : "a video"));
  bot.on("message:text", (ctx) =>
    ctx.api.sendText(ctx.from, `echo: ${ctx.text}`, { contextToken: ctx.contextToken }),
  );

  // Errors thrown by any middleware arrive here, with the context they happened in.
  bot.catch((err) =>
    err.ctx.reply(`sorry, that failed (${err.error instanceof Error ? err.error.message : "?"})`),
  );
  return bot;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bot = createFeaturesBot({ token: process.env.WX_TOKEN ?? "", baseUrl: process.env.WX_BASE_URL });
  process.stderr.write(`media AES: ${describeAesStatus()}\n`);
  process.once("SIGINT", () => void bot.stop({ drainTimeoutMs: 10_000 }));
  await bot.start();
  // start() resolves once polling stopped; wait for the handlers still running, at most 10 s.
  if (!(await bot.drain({ timeoutMs: 10_000 }))) process.stderr.write("some handlers were still running\n");
}
