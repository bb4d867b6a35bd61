/**
 * A temp `$WXAGENT_HOME` with a store, an operations context and the admin app over them, for the
 * admin tests; `seed` adds two accounts (one expired), a contact with hostile text, messages with
 * stored media and a sent reply.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import type { Hono } from "hono";
import { inboundMediaDir } from "../gateway/media/inbound.js";
import { MessageItemType } from "../ilink/wire.js";
import { createOpsContext, type OpsContext } from "../ops/context.js";
import { ensureAdminToken } from "../ops/token.js";
import { ensureHome, type HomePaths } from "../store/home.js";
import { openStore } from "../store/sqlite.js";
import type { Store } from "../store/types.js";
import { createAdminApp } from "./app.js";
import { SESSION_COOKIE, sessionValue } from "./auth.js";
import type { AdminGateway } from "./data.js";
import { LogBuffer } from "./log-buffer.js";

export const NOW = Date.UTC(2026, 10, 21, 14, 30, 0);

/** A tiny valid PNG (1×1), enough for the sniffing the media route does. */
export function onePixelPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = (crcTable[(c ^ x) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.from([0, 7, 193, 96]))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export interface Fixture {
  dir: string;
  paths: HomePaths;
  store: Store;
  ops: OpsContext;
  token: string;
  logs: LogBuffer;
  app: Hono;
}

export function makeFixture(gateway?: AdminGateway): Fixture {
  const dir = mkdtempSync(join(tmpdir(), "wxagent-admin-"));
  const paths = ensureHome(dir);
  const store = openStore(paths.dbPath);
  const ops = createOpsContext({ store, paths, now: () => NOW });
  const token = ensureAdminToken(paths);
  const logs = new LogBuffer(50);
  const app = createAdminApp({ ops, token, logBuffer: logs, ...(gateway ? { gateway } : {}) });
  return { dir, paths, store, ops, token, logs, app };
}

export function seed(f: Fixture): { imageMessageId: number; fileMessageId: number } {
  const { store } = f;
  store.accounts.upsert({
    id: "bot-1@im.bot",
    baseUrl: "http://127.0.0.1:9",
    cdnBaseUrl: "http://127.0.0.1:9/c2c",
    token: "secret-bot-token-123456",
    state: "active",
    ownerUserId: "owner@im.wechat",
  });
  store.accounts.upsert({
    id: "bot-2@im.bot",
    baseUrl: "http://127.0.0.1:9",
    cdnBaseUrl: "http://127.0.0.1:9/c2c",
    token: "another-bot-token-654321",
    state: "active",
  });
  store.accounts.setState("bot-2@im.bot", "expired", "session expired (-14): run `wxagent login`");
  store.contacts.see("bot-1@im.bot", "alice@im.wechat", NOW - 60_000);
  store.contacts.update("bot-1@im.bot", "alice@im.wechat", { name: "<script>alert(1)</script>" });
  const [text, image, file] = store.inbound.recordPoll(
    "bot-1@im.bot",
    "cursor-1",
    [
      {
        fromUserId: "alice@im.wechat",
        dedupKey: "id:1",
        contextToken: "ctx-token-secret",
        items: [{ type: MessageItemType.TEXT, text_item: { text: "hi <b>bold</b> & more" } }],
      },
      {
        fromUserId: "alice@im.wechat",
        dedupKey: "id:2",
        items: [{ type: MessageItemType.IMAGE, image_item: { media: { encrypt_query_param: "q1" } } }],
      },
      {
        fromUserId: "alice@im.wechat",
        dedupKey: "id:3",
        items: [
          {
            type: MessageItemType.FILE,
            file_item: {
              file_name: "evil.svg",
              len: "120",
              media: { encrypt_query_param: "q2", aes_key: "x" },
            },
          },
        ],
      },
    ],
    NOW - 90_000,
  );
  if (!text || !image || !file) throw new Error("seed failed");
  store.contextTokens.set("bot-1@im.bot", "alice@im.wechat", "ctx-token-secret", NOW - 90_000);
  const [out] = store.outbound.enqueue(
    [
      {
        accountId: "bot-1@im.bot",
        toUserId: "alice@im.wechat",
        seq: 0,
        clientId: "c1",
        kind: "text",
        text: "echo: hi",
      },
    ],
    NOW - 80_000,
  );
  if (out) store.outbound.markSent(out.id, NOW - 80_000);
  store.contextTokens.countSend("bot-1@im.bot", "alice@im.wechat");
  // The gateway stored these files when the messages arrived.
  const imgDir = inboundMediaDir(f.paths.mediaDir, "bot-1@im.bot", image.id);
  mkdirSync(imgDir, { recursive: true });
  writeFileSync(join(imgDir, "0-image.png"), onePixelPng());
  const fileDir = inboundMediaDir(f.paths.mediaDir, "bot-1@im.bot", file.id);
  mkdirSync(fileDir, { recursive: true });
  writeFileSync(
    join(fileDir, "0-evil.svg"),
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  );
  return { imageMessageId: image.id, fileMessageId: file.id };
}

/** The database closes at once; the returned promise settles when the store has let go of everything. */
export function closeFixture(f: Fixture): Promise<void> {
  f.ops.close();
  const closed = f.store.close();
  rmSync(f.dir, { recursive: true, force: true });
  return closed;
}

/** Headers of a browser that holds the session cookie. */
export function withCookie(f: Fixture): Record<string, string> {
  return { Accept: "text/html", Cookie: `${SESSION_COOKIE}=${sessionValue(f.token)}` };
}
