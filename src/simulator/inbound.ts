/**
 * Inbound messages (a WeChat user writing to a bot): built from `POST /sim/messages`, logged,
 * and queued for getupdates with a fresh context token. Media is encrypted with a random key and
 * put on the simulated CDN; images carry `aes_key` as base64(raw 16 bytes) plus `image_item.aeskey`
 * in hex, files/voice/video carry base64(hex), so clients meet both encodings (§10.2, §19.2).
 */
import { MessageItemType, MessageType, VoiceEncodeType } from "../ilink/wire.js";
import { WxError } from "../shared/wx-error.js";
import { encryptEcb, md5Hex, sha256Hex } from "./crypto.js";
import {
  type Delivery,
  emit,
  type ItemDescription,
  newMessageId,
  pairKey,
  type SimAccount,
  type SimMessage,
  type SimState,
  schedule,
  wake,
} from "./state.js";

export interface MediaInput {
  name: string;
  base64: string;
  mime?: string;
}

export interface InboundInput {
  account_id: string;
  from: string;
  text?: string;
  image?: MediaInput;
  file?: MediaInput;
  voice?: Partial<MediaInput> & { transcript?: string; playtime_ms?: number };
  video?: MediaInput;
  group_id?: string;
  /** message_id of an earlier message; `{message_id, id_only: true}` sends only `svr_id` like newer WeChat */
  quote?: string | { message_id: string; id_only?: boolean };
  /**
   * Wire items appended to `item_list` exactly as given (any JSON: a 20 000-deep array, a string,
   * an item of an unknown type), for testing how a client survives a malformed server message.
   */
  raw_items?: unknown[];
}

type Wire = Record<string, unknown>;

/** Puts plaintext on the simulated CDN; returns the download parameter and the object. */
export function storeOnCdn(
  state: SimState,
  plain: Buffer,
  meta: { name?: string; mime?: string },
): { param: string; key: Buffer; ciphertext: Buffer; sha256: string; md5: string } {
  const key = state.prng.bytes(16);
  const ciphertext = encryptEcb(plain, key);
  const param = state.prng.bytes(36).toString("base64url");
  const sha256 = sha256Hex(plain);
  const md5 = md5Hex(plain);
  state.cdn.set(param, { ciphertext, key, size: plain.length, sha256, md5, ...meta });
  return { param, key, ciphertext, sha256, md5 };
}

export function downloadUrl(state: SimState, param: string): string {
  return `${state.publicBaseUrl}/c2c/download?encrypted_query_param=${encodeURIComponent(param)}`;
}

function cdnMedia(state: SimState, param: string, aesKey: string): Wire {
  return {
    encrypt_query_param: param,
    aes_key: aesKey,
    encrypt_type: 1,
    full_url: downloadUrl(state, param),
  };
}

function mediaItem(
  state: SimState,
  kind: "image" | "file" | "voice" | "video",
  input: Partial<MediaInput> & { transcript?: string; playtime_ms?: number },
): { wire: Wire; description: ItemDescription } {
  const transcript = "transcript" in input ? input.transcript : undefined;
  if (kind === "voice" && input.base64 === undefined) {
    // A voice message with no audio to fetch: only its length and WeChat's transcript travel.
    const playtime = input.playtime_ms ?? 1_000;
    return {
      wire: { type: MessageItemType.VOICE, voice_item: { text: transcript ?? "", playtime } },
      description: { type: "voice", transcript, name: input.name, playtime_ms: playtime },
    };
  }
  // One decode of the base64; the string itself is dropped by the caller right after.
  const plain = Buffer.from(input.base64 ?? "", "base64");
  const stored = storeOnCdn(state, plain, { name: input.name, mime: input.mime });
  const description: ItemDescription = {
    type: kind,
    sha256: stored.sha256,
    size: plain.length,
    name: input.name,
    mime: input.mime,
    media_param: stored.param,
  };
  const hexKey = stored.key.toString("hex");
  const keyAsHexB64 = Buffer.from(hexKey, "ascii").toString("base64");
  switch (kind) {
    case "image":
      return {
        wire: {
          type: MessageItemType.IMAGE,
          image_item: {
            media: cdnMedia(state, stored.param, stored.key.toString("base64")),
            aeskey: hexKey,
            mid_size: stored.ciphertext.length,
          },
        },
        description,
      };
    case "file":
      return {
        wire: {
          type: MessageItemType.FILE,
          file_item: {
            media: cdnMedia(state, stored.param, keyAsHexB64),
            file_name: input.name,
            md5: stored.md5,
            len: String(plain.length),
          },
        },
        description,
      };
    case "voice": {
      const mp3 = input.mime === "audio/mpeg" || /\.mp3$/i.test(input.name ?? "");
      return {
        wire: {
          type: MessageItemType.VOICE,
          voice_item: {
            media: cdnMedia(state, stored.param, keyAsHexB64),
            encode_type: mp3 ? VoiceEncodeType.MP3 : VoiceEncodeType.SILK,
            bits_per_sample: 16,
            sample_rate: 24_000,
            playtime: input.playtime_ms ?? 1_000,
            text: transcript,
          },
        },
        description: { ...description, transcript, playtime_ms: input.playtime_ms ?? 1_000 },
      };
    }
    case "video":
      return {
        wire: {
          type: MessageItemType.VIDEO,
          video_item: {
            media: cdnMedia(state, stored.param, keyAsHexB64),
            video_size: stored.ciphertext.length,
            video_md5: stored.md5,
          },
        },
        description,
      };
  }
}

/** The `ref_msg` of a quote: inline title + item (older clients) or `svr_id` only (newer ones). */
function refMessage(quoted: SimMessage, idOnly: boolean): Wire {
  if (idOnly) return { svr_id: quoted.message_id };
  const first = quoted.wire_items[0];
  const firstText = quoted.items.find((i) => i.type === "text");
  const title = firstText && firstText.type === "text" ? firstText.text.slice(0, 60) : undefined;
  return {
    title,
    message_item: first ? { ...first, msg_id: quoted.message_id } : undefined,
    svr_id: quoted.message_id,
  };
}

export type InboundErrorCode =
  /** 404: the quoted message_id is not one of this account's messages */
  | "SIM_QUOTE_NOT_FOUND"
  /** 400: no text, media or raw_items: nothing to send */
  | "SIM_EMPTY_MESSAGE";

const INBOUND_STATUS: Record<InboundErrorCode, 400 | 404> = {
  SIM_QUOTE_NOT_FOUND: 404,
  SIM_EMPTY_MESSAGE: 400,
};

/** A message `POST /sim/messages` cannot send: the control API answers `status` with the message. */
export class InboundError extends WxError<InboundErrorCode> {
  override name = "InboundError";
  readonly status: 400 | 404;

  constructor(code: InboundErrorCode, message: string) {
    super(code, message);
    this.status = INBOUND_STATUS[code];
  }
}

/** Issues a context token for (bot, user): per message, the latest wins (§6.5). */
function issueContextToken(state: SimState, account: SimAccount, userId: string): string {
  const token = `AARz${state.prng.bytes(30).toString("base64")}`;
  state.contextTokens.set(token, {
    token,
    account_id: account.account_id,
    user_id: userId,
    issued_at_ms: state.now(),
    sends: 0,
  });
  state.latestToken.set(pairKey(account.account_id, userId), token);
  return token;
}

/** A user sends the bot a message. Returns the logged message. */
export function sendInbound(state: SimState, account: SimAccount, input: InboundInput): SimMessage {
  const wireItems: Wire[] = [];
  const items: ItemDescription[] = [];
  let quotedId: string | null = null;
  let ref: Wire | undefined;
  if (input.quote !== undefined) {
    const q = typeof input.quote === "string" ? { message_id: input.quote } : input.quote;
    const quoted = state.messages.find(
      (m) => m.account_id === account.account_id && m.message_id.toString() === String(q.message_id),
    );
    if (!quoted)
      throw new InboundError("SIM_QUOTE_NOT_FOUND", `quote: no message ${q.message_id} with this account`);
    quotedId = quoted.message_id.toString();
    ref = refMessage(quoted, q.id_only === true);
  }
  if (input.text !== undefined) {
    wireItems.push({ type: MessageItemType.TEXT, text_item: { text: input.text } });
    items.push({ type: "text", text: input.text });
  }
  for (const kind of ["image", "file", "voice", "video"] as const) {
    const media = input[kind];
    if (media === undefined) continue;
    const made = mediaItem(state, kind, media);
    wireItems.push(made.wire);
    items.push(made.description);
  }
  for (const raw of input.raw_items ?? []) wireItems.push(raw as Wire);
  if (wireItems.length === 0)
    throw new InboundError(
      "SIM_EMPTY_MESSAGE",
      "a message needs text, image, file, voice, video or raw_items",
    );
  if (ref && wireItems[0]) wireItems[0] = { ...wireItems[0], ref_msg: ref };

  account.contacts.add(input.from);
  const contextToken = issueContextToken(state, account, input.from);
  const message: SimMessage = {
    message_id: newMessageId(state),
    direction: "inbound",
    account_id: account.account_id,
    from: input.from,
    to: account.account_id,
    client_id: null,
    context_token: contextToken,
    group_id: input.group_id ?? null,
    items,
    wire_items: wireItems,
    create_time_ms: state.now(),
    quote: quotedId,
  };
  state.messages.push(message);
  enqueue(state, account, message, "same");
  emit(state, "message.inbound", publicMessage(message));
  return message;
}

/** How a redelivered copy carries its id: unchanged, missing, or a new one (§8.2.12). */
export type RedeliveryIdMode = "same" | "empty" | "new";

/** Puts a message (again) into the bot's queue and wakes its long polls. */
export function enqueue(
  state: SimState,
  account: SimAccount,
  message: SimMessage,
  idMode: RedeliveryIdMode,
): void {
  const seq = ++account.last_seq;
  const messageId =
    idMode === "same" ? message.message_id : idMode === "new" ? newMessageId(state) : undefined;
  const wire: Wire = {
    seq,
    message_id: messageId,
    from_user_id: message.from,
    to_user_id: message.to,
    client_id: undefined,
    create_time_ms: message.create_time_ms,
    session_id: undefined,
    group_id: message.group_id ?? undefined,
    message_type: MessageType.USER,
    message_state: 2,
    item_list: message.wire_items,
    context_token: message.context_token ?? undefined,
  };
  const delivery: Delivery = { seq, wire, message_id: message.message_id };
  account.queue.push(delivery);
  wake(account.waiters);
}

/** Schedules a redelivery of a logged inbound message after `delayMs`. */
export function scheduleRedelivery(
  state: SimState,
  account: SimAccount,
  message: SimMessage,
  delayMs: number,
  idMode: RedeliveryIdMode,
): void {
  schedule(state, delayMs, () => {
    if (account.token_state !== "live") return;
    enqueue(state, account, message, idMode);
    emit(state, "message.redelivered", {
      account_id: account.account_id,
      message_id: message.message_id.toString(),
      id_mode: idMode,
    });
  });
}

/** A message as the control API shows it (ids as strings, wire internals dropped). */
export function publicMessage(m: SimMessage): Record<string, unknown> {
  return {
    message_id: m.message_id.toString(),
    direction: m.direction,
    account_id: m.account_id,
    from: m.from,
    to: m.to,
    client_id: m.client_id,
    context_token: m.context_token,
    group_id: m.group_id,
    quote: m.quote,
    create_time_ms: m.create_time_ms,
    items: m.items,
  };
}
