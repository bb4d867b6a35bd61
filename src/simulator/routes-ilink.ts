/**
 * The iLink bot API (§2), answering as the live server does: HTTP 200 with `ret`/`errcode` for
 * application errors, JSON always (never an empty body), uint64 ids as raw JSON numbers.
 */
import { type Context, Hono } from "hono";
import { Endpoint, TypingStatus, UploadMediaType } from "../ilink/wire.js";
import { isHex32, paddedSize } from "./crypto.js";
import {
  apiError,
  authenticate,
  checkAppHeaders,
  isNonEmptyString,
  readJson,
  SimErr,
  sendJson,
} from "./http.js";
import { sendOutbound } from "./outbound.js";
import { issueQr, pollQrStatus, qrImgContent } from "./qr.js";
import { emit, type SimState } from "./state.js";
import { acknowledge, decodeCursor, pollUpdates } from "./updates.js";

const path = (endpoint: string): string => `/${endpoint}`;

/** The typing ticket of (bot, user): opaque to clients, checked by sendtyping. */
export function typingTicket(accountId: string, userId: string): string {
  return Buffer.from(`ticket|${accountId}|${userId}`).toString("base64");
}

export function ilinkRoutes(state: SimState): Hono {
  const app = new Hono();
  qrLoginRoutes(app, state);
  messageRoutes(app, state);
  uploadRoutes(app, state);
  typingRoutes(app, state);
  presenceRoutes(app, state);
  return app;
}

/** get_bot_qrcode and get_qrcode_status: the QR login (§2.1, §2.2). */
function qrLoginRoutes(app: Hono, state: SimState): void {
  const getBotQrcode = async (c: Context): Promise<Response> => {
    const bad = checkAppHeaders(c);
    if (bad) return bad;
    const botType = c.req.query("bot_type");
    if (botType !== undefined && botType !== "3")
      return apiError(c, SimErr.BAD_REQUEST, "unsupported bot_type");
    let tokens: string[] = [];
    if (c.req.method === "POST") {
      const body = await readJson(c, true);
      if (!body.ok) return body.response;
      const list = body.value.local_token_list;
      if (list !== undefined) {
        if (!Array.isArray(list) || !list.every((t) => typeof t === "string"))
          return apiError(c, SimErr.BAD_REQUEST, "invalid local_token_list: expected an array of strings");
        tokens = list;
      }
    }
    const qr = issueQr(state, tokens);
    return sendJson(c, { ret: 0, qrcode: qr.qrcode, qrcode_img_content: qrImgContent(state, qr) });
  };
  app.post(path(Endpoint.getBotQrcode), getBotQrcode);
  app.get(path(Endpoint.getBotQrcode), getBotQrcode);

  app.get(path(Endpoint.getQrcodeStatus), async (c) => {
    const bad = checkAppHeaders(c);
    if (bad) return bad;
    const qrcode = c.req.query("qrcode");
    if (!qrcode) return apiError(c, SimErr.BAD_REQUEST, "missing qrcode");
    const qr = state.qrs.get(qrcode);
    if (!qr) return apiError(c, SimErr.BAD_REQUEST, "qrcode not found");
    return sendJson(c, await pollQrStatus(state, qr, c.req.query("verify_code"), c.req.raw.signal));
  });
}

/** getupdates and sendmessage: the long poll and the bot's replies (§2.3, §2.4). */
function messageRoutes(app: Hono, state: SimState): void {
  app.post(path(Endpoint.getUpdates), async (c) => {
    const hint = { longpolling_timeout_ms: state.config.longpolling_timeout_ms };
    const auth = authenticate(c, state, hint);
    if (!auth.ok) return auth.response;
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const cursor = body.value.get_updates_buf;
    if (typeof cursor !== "string")
      return apiError(c, SimErr.BAD_REQUEST, "invalid arguments: get_updates_buf", hint);
    const { account } = auth;
    const since = decodeCursor(account, cursor);
    acknowledge(account, since);
    const result = await pollUpdates(state, account, since, c.req.raw.signal);
    if (account.token_state !== "live") return apiError(c, SimErr.SESSION_EXPIRED, "session timeout", hint);
    emit(state, "updates.delivered", { account_id: account.account_id, count: result.msgs.length });
    return sendJson(c, {
      ret: 0,
      msgs: result.msgs.map((d) => d.wire),
      get_updates_buf: result.cursor,
      ...hint,
    });
  });

  app.post(path(Endpoint.sendMessage), async (c) => {
    const auth = authenticate(c, state);
    if (!auth.ok) return auth.response;
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const outcome = sendOutbound(state, auth.account, body.value.msg);
    if (!outcome.ok) {
      emit(state, "message.rejected", {
        account_id: auth.account.account_id,
        ret: outcome.ret,
        errmsg: outcome.errmsg,
        rule: outcome.rule,
      });
      return apiError(c, outcome.ret, outcome.errmsg);
    }
    return sendJson(c, { ret: 0, errmsg: "", message_id: outcome.message_id });
  });
}

/** getuploadurl: where the bot's encrypted media goes on the CDN (§2.5). */
function uploadRoutes(app: Hono, state: SimState): void {
  app.post(path(Endpoint.getUploadUrl), async (c) => {
    const auth = authenticate(c, state);
    if (!auth.ok) return auth.response;
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const v = body.value;
    const invalid = (field: string): Response =>
      apiError(c, SimErr.BAD_REQUEST, `invalid arguments: ${field}`);
    if (!isHex32(v.filekey)) return invalid("filekey (32 hex chars)");
    if (!isHex32(v.aeskey)) return invalid("aeskey (32 hex chars)");
    if (!Object.values(UploadMediaType).includes(v.media_type as 1)) return invalid("media_type");
    if (!isNonEmptyString(v.to_user_id)) return invalid("to_user_id");
    if (typeof v.rawsize !== "number" || !Number.isSafeInteger(v.rawsize) || v.rawsize < 0)
      return invalid("rawsize");
    if (!isHex32(v.rawfilemd5)) return invalid("rawfilemd5 (md5 hex)");
    if (v.filesize !== paddedSize(v.rawsize)) return invalid("filesize (ceil((rawsize+1)/16)*16)");
    const uploadParam = state.prng.bytes(36).toString("base64url");
    state.uploads.set(uploadParam, {
      account_id: auth.account.account_id,
      filekey: v.filekey.toLowerCase(),
      aeskey: Buffer.from(v.aeskey, "hex"),
      media_type: v.media_type as number,
      to_user_id: v.to_user_id,
      rawsize: v.rawsize,
      rawfilemd5: v.rawfilemd5.toLowerCase(),
      filesize: v.filesize,
      download_param: null,
    });
    const uploadFullUrl =
      `${state.publicBaseUrl}/c2c/upload?encrypted_query_param=${encodeURIComponent(uploadParam)}` +
      `&filekey=${encodeURIComponent(v.filekey)}`;
    return sendJson(c, { ret: 0, errmsg: "", upload_param: uploadParam, upload_full_url: uploadFullUrl });
  });
}

/** getconfig and sendtyping: the typing ticket and the typing indicator (§2.6, §2.7). */
function typingRoutes(app: Hono, state: SimState): void {
  app.post(path(Endpoint.getConfig), async (c) => {
    const auth = authenticate(c, state);
    if (!auth.ok) return auth.response;
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const userId = body.value.ilink_user_id;
    if (!isNonEmptyString(userId)) return apiError(c, SimErr.BAD_REQUEST, "invalid arguments: ilink_user_id");
    // Before the user ever wrote to the bot there is no ticket (§2.6).
    if (!auth.account.contacts.has(userId))
      return apiError(c, SimErr.NO_TICKET, "GetTypingTicket rpc failed");
    return sendJson(c, { ret: 0, errmsg: "", typing_ticket: typingTicket(auth.account.account_id, userId) });
  });

  app.post(path(Endpoint.sendTyping), async (c) => {
    const auth = authenticate(c, state);
    if (!auth.ok) return auth.response;
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const { ilink_user_id: userId, typing_ticket: ticket, status } = body.value;
    if (!isNonEmptyString(userId)) return apiError(c, SimErr.BAD_REQUEST, "invalid arguments: ilink_user_id");
    if (status !== TypingStatus.TYPING && status !== TypingStatus.CANCEL)
      return apiError(c, SimErr.BAD_REQUEST, "invalid arguments: status");
    if (ticket !== typingTicket(auth.account.account_id, userId))
      return apiError(c, SimErr.BAD_REQUEST, "invalid typing_ticket");
    const event = {
      account_id: auth.account.account_id,
      user_id: userId,
      status: status === TypingStatus.TYPING ? ("typing" as const) : ("cancel" as const),
      at_ms: state.now(),
    };
    state.typing.push(event);
    emit(state, "typing", event);
    return sendJson(c, { ret: 0, errmsg: "" });
  });
}

/** notifystart and notifystop: whether the bot is online (§2.8). */
function presenceRoutes(app: Hono, state: SimState): void {
  for (const [endpoint, online] of [
    [Endpoint.notifyStart, true],
    [Endpoint.notifyStop, false],
  ] as const) {
    app.post(path(endpoint), async (c) => {
      const auth = authenticate(c, state);
      if (!auth.ok) return auth.response;
      const body = await readJson(c, true);
      if (!body.ok) return body.response;
      auth.account.online = online;
      emit(state, online ? "account.online" : "account.offline", { account_id: auth.account.account_id });
      return sendJson(c, { ret: 0, errmsg: "" });
    });
  }
}
