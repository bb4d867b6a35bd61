/**
 * sendmessage: what the bot sends a user. The checks run in the order a retry needs: the shape,
 * then `client_id` (a repeated id is the same message: success, recorded once), then the context
 * token, the text limit, the quota and the burst throttle. Media items are described by decrypting
 * the uploaded CDN object with the key the message carries, so a wrong key encoding shows up.
 */
import { MessageItemType, MessageState, MessageType } from "../ilink/wire.js";
import { decryptEcb, parseWireAesKey, sha256Hex } from "./crypto.js";
import { publicMessage } from "./inbound.js";
import { checkContextToken, checkQuota, checkTextLimit, checkThrottle, recordSend } from "./realism.js";
import {
  emit,
  type ItemDescription,
  newMessageId,
  type SimAccount,
  type SimMessage,
  type SimState,
} from "./state.js";

export type SendOutcome =
  | { ok: true; message_id: bigint; duplicate: boolean }
  | { ok: false; ret: number; errmsg: string; rule: string };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function fail(ret: number, errmsg: string, rule: string): SendOutcome {
  return { ok: false, ret, errmsg, rule };
}

const MEDIA_KEYS = {
  [MessageItemType.IMAGE]: ["image_item", "image"],
  [MessageItemType.VOICE]: ["voice_item", "voice"],
  [MessageItemType.FILE]: ["file_item", "file"],
  [MessageItemType.VIDEO]: ["video_item", "video"],
} as const;

/** Describes a sent item; media is decrypted from the CDN with the message's own key. */
export function describeItem(state: SimState, item: Obj): ItemDescription {
  const type = typeof item.type === "number" ? item.type : null;
  if (type === MessageItemType.TEXT) {
    const textItem = isObj(item.text_item) ? item.text_item : {};
    return { type: "text", text: typeof textItem.text === "string" ? textItem.text : "" };
  }
  if (type === MessageItemType.TOOL_CALL_START || type === MessageItemType.TOOL_CALL_RESULT) {
    const body = item.tool_call_start_item ?? item.tool_call_result_item;
    const b = isObj(body) ? body : {};
    return {
      type: type === MessageItemType.TOOL_CALL_START ? "tool_call_start" : "tool_call_result",
      tool_name: typeof b.tool_name === "string" ? b.tool_name : undefined,
      status: typeof b.status === "string" ? b.status : undefined,
    };
  }
  const media = type === null ? undefined : MEDIA_KEYS[type as keyof typeof MEDIA_KEYS];
  if (!media) return { type: "unknown", item_type: type };
  const [field, kind] = media;
  const body = isObj(item[field]) ? (item[field] as Obj) : {};
  const name = typeof body.file_name === "string" ? body.file_name : undefined;
  const cdn = isObj(body.media) ? body.media : {};
  const param = typeof cdn.encrypt_query_param === "string" ? cdn.encrypt_query_param : undefined;
  const object = param ? state.cdn.get(param) : undefined;
  if (!param || !object) return { type: kind, name, error: "no CDN object for media.encrypt_query_param" };
  const key = typeof cdn.aes_key === "string" ? parseWireAesKey(cdn.aes_key) : undefined;
  if (!key)
    return { type: kind, name, media_param: param, error: "media.aes_key is not a valid key encoding" };
  let sha256: string;
  try {
    sha256 = sha256Hex(decryptEcb(object.ciphertext, key));
  } catch {
    return {
      type: kind,
      name,
      media_param: param,
      error: "media.aes_key does not decrypt the uploaded file",
    };
  }
  if (sha256 !== object.sha256)
    return {
      type: kind,
      name,
      media_param: param,
      error: "media.aes_key does not decrypt the uploaded file",
    };
  return {
    type: kind,
    sha256,
    size: object.size,
    name: name ?? object.name,
    mime: object.mime,
    media_param: param,
  };
}

/** Validates and records one sendmessage. `msg` is the parsed request's `msg`. */
export function sendOutbound(state: SimState, account: SimAccount, msg: unknown): SendOutcome {
  if (!isObj(msg)) return fail(-2, "invalid arguments", "shape");
  const to = msg.to_user_id;
  if (typeof to !== "string" || to === "") return fail(-2, "invalid arguments", "to_user_id");
  if (msg.message_type !== MessageType.BOT) return fail(-2, "invalid arguments", "message_type");
  const items = msg.item_list;
  if (items !== undefined && (!Array.isArray(items) || !items.every(isObj)))
    return fail(-2, "invalid arguments", "item_list");
  const list = (items ?? []) as Obj[];
  // The live server takes one item per message; several (text + voice, say) are refused (§8.3).
  if (list.length > 1) return fail(-2, "invalid arguments", "one-item");
  if (list.length === 0 && msg.message_state === MessageState.GENERATING)
    return fail(-2, "invalid arguments", "generating-empty");
  const clientId = typeof msg.client_id === "string" && msg.client_id !== "" ? msg.client_id : null;
  const dedupKey = clientId ? `${account.account_id} ${clientId}` : null;
  const earlier = dedupKey ? state.sentByClientId.get(dedupKey) : undefined;
  if (earlier !== undefined) {
    emit(state, "message.duplicate", { account_id: account.account_id, client_id: clientId });
    return { ok: true, message_id: earlier, duplicate: true };
  }
  if (!state.users.has(to)) return fail(-2, "unknown error", "unknown-user");
  const token = typeof msg.context_token === "string" ? msg.context_token : undefined;
  const first = list[0];
  const text =
    first &&
    first.type === MessageItemType.TEXT &&
    isObj(first.text_item) &&
    typeof first.text_item.text === "string"
      ? first.text_item.text
      : undefined;
  for (const verdict of [
    checkContextToken(state, account.account_id, to, token),
    checkTextLimit(state, text),
    checkQuota(state, token),
    checkThrottle(state, account.account_id, to),
  ]) {
    if (!verdict.ok) return fail(-2, verdict.errmsg, verdict.rule);
  }
  recordSend(state, account.account_id, to, token);
  const message: SimMessage = {
    message_id: newMessageId(state),
    direction: "outbound",
    account_id: account.account_id,
    from: account.account_id,
    to,
    client_id: clientId,
    context_token: token ?? null,
    group_id: null,
    items: list.map((item) => describeItem(state, item)),
    wire_items: list,
    create_time_ms: state.now(),
    quote: null,
  };
  state.messages.push(message);
  if (dedupKey) state.sentByClientId.set(dedupKey, message.message_id);
  emit(state, "message.outbound", publicMessage(message));
  return { ok: true, message_id: message.message_id, duplicate: false };
}
