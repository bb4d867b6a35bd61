/**
 * Test helpers: an in-process simulator, a bot on it, and the SDK client that downloads its media.
 * A user's message is injected through the control API and read back through getupdates, so the
 * items are exactly what the iLink server sends.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ILinkClient } from "../../ilink/client.js";
import type { MessageItem, WeixinMessage } from "../../ilink/wire.js";
import { createSimulator, type Simulator } from "../../simulator/index.js";
import { control, newBot, type TestBot } from "../../simulator/testkit.js";

/** A real 1×1 PNG. */
export const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

export interface SimRig {
  sim: Simulator;
  bot: TestBot;
  client: ILinkClient;
  /** Every URL the client fetched. */
  urls: string[];
  dir: string;
  mediaDir: string;
  workspaceDir: string;
  /** The user sends a message (control API); resolves with its items as getupdates delivers them. */
  send(body: Record<string, unknown>): Promise<{ items: MessageItem[]; messageId: string }>;
  close(): Promise<void>;
}

export async function simRig(): Promise<SimRig> {
  const sim = createSimulator({ seed: 7, realism: false, longPollTimeoutMs: 2_000 });
  const bot = await newBot(sim);
  const urls: string[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    urls.push(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    return sim.fetch(input, init);
  };
  const accounts = (await control(sim, "GET", "/accounts")).body.accounts as {
    cdn_base_url: string;
    base_url: string;
  }[];
  const client = new ILinkClient({
    baseUrl: accounts[0]?.base_url ?? "http://simulator.local",
    cdnBaseUrl: accounts[0]?.cdn_base_url ?? "http://simulator.local/c2c",
    token: bot.token,
    fetch,
  });
  const dir = await mkdtemp(join(tmpdir(), "wx-media-"));
  let cursor = "";
  return {
    sim,
    bot,
    client,
    urls,
    dir,
    mediaDir: join(dir, "media"),
    workspaceDir: join(dir, "ws"),
    async send(body) {
      const sent = await control(sim, "POST", "/messages", {
        account_id: bot.account_id,
        from: "u1@im.wechat",
        ...body,
      });
      if (sent.status !== 200) throw new Error(`control /messages: ${JSON.stringify(sent.body)}`);
      const res = await client.getUpdates(cursor);
      cursor = res.get_updates_buf || cursor;
      const msg = (res.msgs ?? []).find(
        (m: WeixinMessage) => String(m.message_id) === String(sent.body.message_id),
      );
      if (!msg) throw new Error("the message did not arrive through getupdates");
      return { items: msg.item_list ?? [], messageId: String(sent.body.message_id) };
    },
    async close() {
      sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function b64(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString("base64");
}

/** Every file below `dir` (none when it does not exist), by its path relative to `dir`. */
export async function filesUnder(dir: string): Promise<{ name: string; size: number }[]> {
  const out: { name: string; size: number }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push({ name: path.slice(dir.length + 1), size: (await stat(path)).size });
  }
  return out;
}
