/** `recent_messages`, `wait_for_messages` and `download_media`. */
import { mkdir, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { downloadItemVetted } from "../gateway/media/download.js";
import { safeFileName } from "../gateway/media/names.js";
import { itemMedia } from "../ilink/inbound-media.js";
import { messageOf } from "../shared/wx-error.js";
import type { AsyncStore } from "../store/async.js";
import type { InboundMessage } from "../store/types.js";
import { defineOp, queryInt } from "./define.js";
import { OpsError, opRef } from "./errors.js";
import { inboundView, listMessages } from "./format.js";
import { accountById, optionalAccount } from "./resolve.js";

/** How often a waiter looks at the store for messages another process stored. */
export const WAIT_POLL_MS = 250;
export const MAX_WAIT_MS = 120_000;
export const MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;

export const recentMessages = defineOp({
  name: "recent_messages",
  title: "Recent messages",
  description:
    "Messages exchanged with WeChat contacts, oldest first (the most recent `limit`). Inbound ids can be passed to download_media (media items are listed with their item_index) and as after_id to wait_for_messages.",
  input: z.object({
    account: z.string().min(1).optional().describe("Account id (default: all accounts)"),
    contact: z.string().min(1).optional().describe("Only messages from or to this WeChat user id"),
    since_ms: queryInt(0, Number.MAX_SAFE_INTEGER)
      .optional()
      .describe("Only messages at or after this time (epoch milliseconds)"),
    direction: z.enum(["in", "out"]).optional().describe("in: from contacts; out: sent by the bot"),
    limit: queryInt(1, 200).default(20).describe("At most this many messages"),
  }),
  readOnly: true,
  rest: { method: "GET", path: "/messages" },
  async run(ctx, input) {
    const messages = await listMessages(ctx.store, {
      ...(input.account !== undefined ? { account: input.account } : {}),
      ...(input.contact !== undefined ? { contact: input.contact } : {}),
      ...(input.since_ms !== undefined ? { sinceMs: input.since_ms } : {}),
      ...(input.direction !== undefined ? { direction: input.direction } : {}),
      limit: input.limit,
    });
    return { data: { messages } };
  },
});

/** The highest inbound id stored so far (ids grow monotonically in one database). */
export async function latestInboundId(store: Pick<AsyncStore, "inbound">): Promise<number> {
  return (await store.inbound.list({ limit: 1 }))[0]?.id ?? 0;
}

async function inboundAfter(
  store: Pick<AsyncStore, "inbound">,
  cursor: number,
  filter: { accountId?: string; userId?: string },
): Promise<InboundMessage[]> {
  const from = cursor > 0 ? (await store.inbound.get(cursor))?.receivedAtMs : undefined;
  return (
    await store.inbound.list({ ...filter, ...(from !== undefined ? { sinceMs: from } : {}), limit: 500 })
  )
    .filter((m) => m.id > cursor)
    .sort((a, b) => a.id - b.id);
}

export const waitForMessages = defineOp({
  name: "wait_for_messages",
  title: "Wait for new messages",
  description:
    "Wait until a contact writes to the bot, up to timeout_ms (at most 120000; keep it under your client's request timeout, often 60000). Returns the inbound messages newer than after_id (default: those arriving after this call) and a cursor to pass as after_id next time, so nothing is missed between calls.",
  input: z.object({
    account: z.string().min(1).optional().describe("Account id (default: all accounts)"),
    contact: z.string().min(1).optional().describe("Only messages from this WeChat user id"),
    timeout_ms: z.number().int().min(0).max(MAX_WAIT_MS).default(30_000).describe("How long to wait"),
    after_id: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Return messages with a larger id (the `cursor` of the previous call)"),
  }),
  readOnly: true,
  rest: { method: "POST", path: "/messages/wait" },
  async run(ctx, input, signal) {
    const account = await optionalAccount(ctx.store, input.account);
    const filter = {
      ...(account ? { accountId: account.id } : {}),
      ...(input.contact ? { userId: input.contact } : {}),
    };
    const cursor = input.after_id ?? (await latestInboundId(ctx.store));
    const deadline = ctx.now() + input.timeout_ms;
    for (;;) {
      const fresh = await inboundAfter(ctx.store, cursor, filter);
      if (fresh.length > 0) {
        const last = fresh[fresh.length - 1] as InboundMessage;
        return { data: { messages: fresh.map(inboundView), cursor: last.id, timed_out: false } };
      }
      const left = deadline - ctx.now();
      if (left <= 0 || signal.aborted || ctx.signal.aborted) {
        return { data: { messages: [], cursor, timed_out: true } };
      }
      await ctx.inbox.wait(Math.min(WAIT_POLL_MS, left), anySignal(signal, ctx.signal));
    }
  },
});

function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  return AbortSignal.any([a, b]);
}

export const downloadMedia = defineOp({
  name: "download_media",
  title: "Download a message's media",
  description:
    "Download (and decrypt) the image, file, voice or video of an inbound message to a local path. message_id is the `id` from recent_messages or wait_for_messages; item_index picks the media item (default: the first). to_path may be a directory: the file's own name is used inside it.",
  input: z.object({
    message_id: z.number().int().min(1).describe("Inbound message id (the `id` field)"),
    item_index: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Which item of the message (default: first media)"),
    to_path: z.string().min(1).describe("Where to write: a file path or an existing directory"),
    overwrite: z.boolean().default(false).describe("Replace an existing file"),
  }),
  readOnly: false,
  rest: { method: "POST", path: "/media/download" },
  async run(ctx, input, signal) {
    const message = await ctx.store.inbound.get(input.message_id);
    if (!message) {
      throw new OpsError(
        "NOT_FOUND",
        `no inbound message with id ${input.message_id}; take the id from ${opRef("recent_messages")}`,
      );
    }
    const withMedia = message.items
      .map((item, index) => ({ item, index }))
      .filter(({ item }) => itemMedia(item) !== undefined);
    const chosen =
      input.item_index === undefined
        ? withMedia[0]
        : withMedia.find(({ index }) => index === input.item_index);
    if (!chosen) {
      throw new OpsError(
        "NOT_FOUND",
        withMedia.length === 0
          ? `message ${message.id} carries no downloadable media`
          : `item ${input.item_index} of message ${message.id} has no media; media items: ${withMedia.map((m) => m.index).join(", ")}`,
      );
    }
    const account = await accountById(ctx.store, message.accountId);
    const target = await targetPath(input.to_path, itemMedia(chosen.item)?.kind ?? "media", chosen.item);
    if (!input.overwrite && (await exists(target))) {
      throw new OpsError(
        "BAD_INPUT",
        `${target} already exists; choose another path or pass overwrite: true`,
      );
    }
    await mkdir(dirname(target), { recursive: true });
    // The gateway's media URL policy: a full_url the gateway refused is refused here too.
    const got = await downloadItemVetted(ctx.clientFor(account), chosen.item, {
      ...(ctx.mediaAllowHosts ? { allowHosts: ctx.mediaAllowHosts } : {}),
      signal: AbortSignal.any([signal, ctx.signal]),
      maxBytes: MAX_DOWNLOAD_BYTES,
      toFile: target,
    }).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== "MEDIA_URL_REFUSED") throw err;
      throw new OpsError("BAD_INPUT", `message ${message.id}: ${messageOf(err)}`, { cause: err });
    });
    return {
      data: { path: target, kind: got.kind, mime: got.mime, name: got.name, size_bytes: got.size },
    };
  },
});

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A directory gets the item's own name (file name, or `<kind>` plus a guessed extension). */
async function targetPath(toPath: string, kind: string, item: InboundMessage["items"][number]) {
  const abs = isAbsolute(toPath) ? toPath : resolve(toPath);
  const s = await stat(abs).catch(() => undefined);
  if (!s?.isDirectory()) return abs;
  const ext = kind === "image" ? ".jpg" : kind === "video" ? ".mp4" : kind === "voice" ? ".silk" : ".bin";
  // The sender's name is untrusted: never a dotfile (`.bash_profile`), an option or a path.
  return join(abs, safeFileName(item.file_item?.file_name, `${kind}${ext}`).name);
}
