/**
 * The README's echo bot. Run it against WeChat with a token from `loginWithQr()` (or against
 * `wxagent sim` with one from its `POST /sim/accounts`):
 *
 *   WX_TOKEN=… WX_BASE_URL=https://ilinkai.weixin.qq.com npx tsx examples/echo.ts
 */
import { fileURLToPath } from "node:url";
import { Bot, type BotOptions } from "wxagent/ilink";

export function createEchoBot(options: BotOptions): Bot {
  const bot = new Bot(options);
  bot.on("message:text", (ctx) => ctx.reply(`you said: ${ctx.text}`));
  return bot;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bot = createEchoBot({ token: process.env.WX_TOKEN ?? "", baseUrl: process.env.WX_BASE_URL });
  process.once("SIGINT", () => void bot.stop());
  await bot.start();
}
