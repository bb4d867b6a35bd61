/**
 * Protocol requirements the simulator and the SDK are tested against (see docs/protocol.md:
 * sections 1-7 and 9-10 for the wire, 8 for the live service). Tests cite them through `verifies(...)`, and
 * requirements.test.ts fails when an id is cited by no test file, so every line here is covered.
 */
export const REQUIREMENTS = {
  "qr:fetch": "get_bot_qrcode (POST with local_token_list, or GET) answers qrcode and qrcode_img_content",
  "qr:longpoll": "get_qrcode_status holds until the status changes or about 30 s pass",
  "qr:confirm": "confirmed carries bot_token, ilink_bot_id (<hex>@im.bot), baseurl and ilink_user_id",
  "qr:expired": "a QR code not confirmed within its lifetime turns expired",
  "qr:redirect": "scaned_but_redirect carries redirect_host; polling on that host goes on",
  "qr:verify-code":
    "need_verifycode, then verify_code in the query; too many wrong codes → verify_code_blocked",
  "qr:binded-redirect": "a live token of the scanning user's bot in local_token_list → binded_redirect",
  "auth:bearer": "bot calls need AuthorizationType ilink_bot_token and a live Bearer token",
  "auth:app-headers": "iLink-App-Id '' or 'bot' and iLink-App-ClientVersion 0 or 0x00MMNNPP are accepted",
  "err:-14": "a stale token gets ret and errcode -14 on bot calls",
  "err:rebind-kick": "binding the same WeChat user to a second bot makes the first bot's token stale",
  "err:http-200": "application errors are HTTP 200 with ret/errcode/errmsg; a body is always JSON",
  "err:malformed": "bad JSON, missing fields or wrong types get an errcode answer, never a crash",
  "poll:cursor":
    "get_updates_buf is opaque; messages stay until a cursor past them; an old cursor redelivers",
  "poll:longpoll-timeout":
    "getupdates holds until a message or shortly before longpolling_timeout_ms, which it returns",
  "poll:message-shape":
    "inbound messages carry message_type 1, seq, create_time_ms, from/to, a fresh context_token, item_list",
  "poll:redelivery": "a message may be delivered again later, with the same, an empty or a new message_id",
  "ids:uint64": "message_id, msg_id and svr_id are JSON numbers above 2^53 and survive parsing",
  "send:context-token": "sendmessage needs a context token of that user; unknown or stale → ret -2",
  "send:client-id-dedup": "a repeated client_id is the same message: success, recorded once",
  "send:quota": "about 10 sends per context token, then ret -2 until the user writes again",
  "send:throttle": "bursts of more than ~3 sends per second to a user → ret -2 prepare failed",
  "send:text-limit": "text above the limit → ret -2 prepare failed",
  "send:one-item": "one item per sendmessage with message_type 2; no item_list (empty text) is tolerated",
  "send:message-id": "a successful sendmessage answers ret 0 and a numeric message_id",
  "config:typing-ticket": "getconfig answers ret 0 with typing_ticket, and ret -4 before the user ever wrote",
  "typing:events": "sendtyping status 1 (typing) and 2 (cancel) are recorded",
  "notify:start-stop": "msg/notifystart and msg/notifystop answer ret 0",
  "cdn:padded-size": "filesize = ceil((rawsize + 1) / 16) * 16, checked by getuploadurl and the CDN",
  "cdn:upload":
    "CDN upload: ciphertext POST, decrypt + MD5 check, 200 + x-encrypted-param, 4xx + x-error-message",
  "cdn:download": "CDN download serves the ciphertext by encrypted_query_param; full_url points there",
  "cdn:aes-key-encodings":
    "inbound image aes_key is base64(raw) with hex image_item.aeskey; file/voice/video base64(hex)",
  "media:inbound": "inbound image, file, voice (with transcript) and video decrypt to the bytes sent",
  "media:outbound": "outbound media items reference the uploaded object and decrypt with their aes_key",
  "media:large": "a 20 MB file goes through upload and download intact",
  "quote:ref-msg": "a quote carries ref_msg with title/message_item and svr_id (or svr_id only)",
  "fault:injection": "faults: HTTP status, ret, latency and dropped connections for the next N calls",
  "sim:seed": "the same seed and the same calls give the same ids, tokens and realism decisions",
  "sim:realism-off": "with realism off there is no quota, throttle, text limit, redelivery or rebind kick",
  "sim:events": "GET /sim/events streams what happens as server-sent events",
} as const;

export type RequirementId = keyof typeof REQUIREMENTS;

/** Ids cited by the tests that ran in this process. */
export const cited = new Set<RequirementId>();

/**
 * Marks a test as verifying requirements: `it(verifies("send:quota"), …)` or inside a test name,
 * `it(\`quota \${verifies("send:quota")}\`, …)`. Returns the ids in brackets.
 */
export function verifies(...ids: RequirementId[]): string {
  for (const id of ids) {
    if (!(id in REQUIREMENTS)) throw new Error(`unknown protocol requirement ${id}`);
    cited.add(id);
  }
  return `[${ids.join(", ")}]`;
}
