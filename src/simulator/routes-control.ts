/**
 * The control API under /sim/ (product.md, "Simulator control API"): make users and bound bot
 * accounts, play the phone in QR login, send messages as a user, read what was exchanged and the
 * typing events, inject faults, change the realism settings, and follow everything as SSE.
 * Errors are HTTP 400/404 with `{error}`: this API is for tests and people, not for iLink clients.
 */
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { applyConfigPatch } from "./config.js";
import { decryptEcb } from "./crypto.js";
import { parseFault } from "./faults.js";
import { InboundError, type InboundInput, publicMessage, sendInbound } from "./inbound.js";
import { toJsonText } from "./json.js";
import { createPrng } from "./prng.js";
import { confirmQr, describeQr, expireQr, type ScanOptions, scanQr } from "./qr.js";
import { redeliver } from "./redeliver.js";
import {
  createAccount,
  createUser,
  describeAccount,
  emit,
  ensureUser,
  expireToken,
  type SimEvent,
  type SimState,
} from "./state.js";

type Obj = Record<string, unknown>;

const json = (c: Context, body: unknown, status = 200): Response =>
  c.body(toJsonText(body), status as 200, { "content-type": "application/json" });
const problem = (c: Context, status: 400 | 404 | 409, error: string): Response => json(c, { error }, status);

async function body(c: Context): Promise<Obj | undefined> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
}

const optString = (v: unknown): v is string | undefined => v === undefined || typeof v === "string";

function validMedia(v: unknown, kind: string): string | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== "object") return `${kind} must be {name, base64, mime?}`;
  const m = v as Obj;
  const needsBytes = kind !== "voice" || m.transcript === undefined;
  if (!optString(m.name) || (kind !== "voice" && typeof m.name !== "string"))
    return `${kind}.name must be a string`;
  if (needsBytes ? typeof m.base64 !== "string" : !optString(m.base64))
    return `${kind}.base64 must be a string`;
  if (!optString(m.mime)) return `${kind}.mime must be a string`;
  if (kind === "voice" && !optString(m.transcript)) return "voice.transcript must be a string";
  return undefined;
}

export function controlRoutes(state: SimState): Hono {
  const app = new Hono();
  accountRoutes(app, state);
  qrRoutes(app, state);
  messageRoutes(app, state);
  faultRoutes(app, state);
  configRoutes(app, state);
  return app;
}

/** /sim/accounts and /sim/users: bound bot accounts and WeChat users. */
function accountRoutes(app: Hono, state: SimState): void {
  const base = (): { base_url: string; cdn_base_url: string } => ({
    base_url: state.publicBaseUrl,
    cdn_base_url: `${state.publicBaseUrl}/c2c`,
  });

  /** POST /sim/accounts {name?, owner_user_id?} → {account_id, token, base_url, cdn_base_url, owner_user_id}: a bound bot without QR; a new owner user unless given. */
  app.post("/accounts", async (c) => {
    const b = await body(c);
    if (!b || !optString(b.name) || !optString(b.owner_user_id))
      return problem(c, 400, "body: {name?, owner_user_id?}");
    const owner = b.owner_user_id ? ensureUser(state, b.owner_user_id) : createUser(state);
    const account = createAccount(state, { name: b.name, owner_user_id: owner.user_id, via: "control" });
    return json(c, {
      account_id: account.account_id,
      token: account.token,
      ...base(),
      owner_user_id: owner.user_id,
    });
  });

  /** GET /sim/accounts → {accounts: [{account_id, token, name, owner_user_id, state: "active"|"expired", online, created_via, created_at_ms, pending_messages, base_url, cdn_base_url, last_client}]} */
  app.get("/accounts", (c) =>
    json(c, { accounts: [...state.accounts.values()].map((a) => describeAccount(state, a)) }),
  );

  /** POST /sim/users {name?} → {user_id, name}: a WeChat user (`…@im.wechat`). */
  app.post("/users", async (c) => {
    const b = await body(c);
    if (!b || !optString(b.name)) return problem(c, 400, "body: {name?}");
    const user = createUser(state, b.name);
    return json(c, { user_id: user.user_id, name: user.name });
  });

  /** GET /sim/users → {users: [{user_id, name, created_at_ms}]} */
  app.get("/users", (c) => json(c, { users: [...state.users.values()] }));
}

/** /sim/qr: the phone's side of a QR login (scan, confirm, expire). */
function qrRoutes(app: Hono, state: SimState): void {
  /** GET /sim/qr → {qrcodes: [{qrcode, status, created_at_ms, user_id, account_id, verify_code, wrong_codes, local_tokens}]} */
  app.get("/qr", (c) => json(c, { qrcodes: [...state.qrs.values()].map(describeQr) }));

  /**
   * POST /sim/qr/:qrcode/scan {user_id?, redirect?, verify_code?} → {qrcode, status, user_id, verify_code}.
   * `redirect: true` → one `scaned_but_redirect` (redirect_host = this simulator's origin, or its bare host over https);
   * `verify_code: true` → `need_verifycode`, the code the phone shows is in the answer. 409 unless `wait`.
   */
  app.post("/qr/:qrcode/scan", async (c) => {
    const qr = state.qrs.get(c.req.param("qrcode"));
    if (!qr) return problem(c, 404, "unknown qrcode");
    const b = await body(c);
    if (!b || !optString(b.user_id)) return problem(c, 400, "body: {user_id?, redirect?, verify_code?}");
    const result = scanQr(state, qr, b as ScanOptions);
    if (!result.ok) return problem(c, 409, result.error);
    return json(c, {
      qrcode: qr.qrcode,
      status: result.status,
      user_id: result.user_id,
      verify_code: result.verify_code,
    });
  });

  /** POST /sim/qr/:qrcode/confirm → {qrcode, status: "confirmed", account_id, owner_user_id}; 409 unless scanned. */
  app.post("/qr/:qrcode/confirm", (c) => {
    const qr = state.qrs.get(c.req.param("qrcode"));
    if (!qr) return problem(c, 404, "unknown qrcode");
    const result = confirmQr(state, qr);
    if (!result.ok) return problem(c, 409, result.error);
    return json(c, {
      qrcode: qr.qrcode,
      status: qr.status,
      account_id: result.account.account_id,
      owner_user_id: result.account.owner_user_id,
    });
  });

  /** POST /sim/qr/:qrcode/expire → {qrcode, status}: ends the code's lifetime now. */
  app.post("/qr/:qrcode/expire", (c) => {
    const qr = state.qrs.get(c.req.param("qrcode"));
    if (!qr) return problem(c, 404, "unknown qrcode");
    expireQr(state, qr);
    return json(c, { qrcode: qr.qrcode, status: qr.status });
  });
}

/** /sim/messages, /sim/typing and /sim/media: a user writes, and what was exchanged is read back. */
function messageRoutes(app: Hono, state: SimState): void {
  /**
   * POST /sim/messages {account_id, from, text?, image?, file?, voice?, video?, group_id?, quote?, raw_items?} →
   * {message_id, context_token}. Media: {name, base64, mime?}; voice also {transcript?, playtime_ms?}
   * (base64 optional with a transcript). quote: a message_id, or {message_id, id_only?}. raw_items:
   * wire items appended to item_list verbatim (malformed server data, for client tests).
   */
  app.post("/messages", async (c) => {
    const b = await body(c);
    if (!b) return problem(c, 400, "body must be a JSON object");
    if (typeof b.account_id !== "string" || typeof b.from !== "string" || b.from === "")
      return problem(c, 400, "account_id and from are required strings");
    if (!optString(b.text) || !optString(b.group_id))
      return problem(c, 400, "text and group_id must be strings");
    if (b.raw_items !== undefined && !Array.isArray(b.raw_items))
      return problem(c, 400, "raw_items must be a list of wire items (any JSON values)");
    for (const kind of ["image", "file", "voice", "video"]) {
      const error = validMedia(b[kind], kind);
      if (error) return problem(c, 400, error);
    }
    const account = state.accounts.get(b.account_id);
    if (!account) return problem(c, 404, "unknown account_id");
    ensureUser(state, b.from);
    try {
      const message = sendInbound(state, account, b as unknown as InboundInput);
      return json(c, { message_id: message.message_id.toString(), context_token: message.context_token });
    } catch (error) {
      if (error instanceof InboundError) return problem(c, error.status, error.message);
      throw error;
    }
  });

  /** GET /sim/messages?account_id=&user_id=&direction=inbound|outbound → {messages: [{message_id, direction, account_id, from, to, client_id, context_token, group_id, quote, create_time_ms, items}]} */
  app.get("/messages", (c) => {
    const { account_id, user_id, direction } = c.req.query();
    const messages = state.messages.filter(
      (m) =>
        (!account_id || m.account_id === account_id) &&
        (!user_id || m.from === user_id || m.to === user_id) &&
        (!direction || m.direction === direction),
    );
    return json(c, { messages: messages.map(publicMessage) });
  });

  /** GET /sim/typing?account_id=&user_id= → {events: [{account_id, user_id, status: "typing"|"cancel", at_ms}]} */
  app.get("/typing", (c) => {
    const { account_id, user_id } = c.req.query();
    const events = state.typing.filter(
      (t) => (!account_id || t.account_id === account_id) && (!user_id || t.user_id === user_id),
    );
    return json(c, { events });
  });

  /** GET /sim/media/:media_param → the decrypted bytes of a CDN object (for the chat page). */
  app.get("/media/:param", (c) => {
    const object = state.cdn.get(c.req.param("param"));
    if (!object) return problem(c, 404, "unknown media");
    const plain = decryptEcb(object.ciphertext, object.key);
    return c.body(new Uint8Array(plain.buffer as ArrayBuffer, plain.byteOffset, plain.length), 200, {
      "content-type": object.mime ?? "application/octet-stream",
    });
  });
}

/** /sim/faults: injected failures, expired tokens and redeliveries. */
function faultRoutes(app: Hono, state: SimState): void {
  /**
   * POST /sim/faults, one of:
   *   {endpoint, count?, status?, ret?, errmsg?, latency_ms?, drop?, account_id?} → {fault_id, ...rule}
   *   {expire_token: account_id} → {expired}
   *   {redeliver: {account_id, message_id?, delay_ms?, id_mode?: "same"|"empty"|"new"}} → {redelivered, ...}
   */
  app.post("/faults", async (c) => {
    const b = await body(c);
    if (!b) return problem(c, 400, "body must be a JSON object");
    if (typeof b.expire_token === "string") {
      const account = state.accounts.get(b.expire_token);
      if (!account) return problem(c, 404, "unknown account_id in expire_token");
      expireToken(state, account, "fault");
      return json(c, { expired: account.account_id });
    }
    if (b.redeliver !== undefined) {
      const result = redeliver(state, b.redeliver);
      return typeof result === "string" ? problem(c, 400, result) : json(c, result);
    }
    const rule = parseFault(state, b);
    if (typeof rule === "string") return problem(c, 400, rule);
    state.faults.push(rule);
    emit(state, "fault.added", { ...rule });
    return json(c, { fault_id: rule.id, ...rule });
  });

  /** GET /sim/faults → {faults: [...pending rules]} */
  app.get("/faults", (c) => json(c, { faults: state.faults }));

  /** DELETE /sim/faults → {cleared}: drops pending rules (stale tokens stay stale). */
  app.delete("/faults", (c) => {
    const cleared = state.faults.length;
    state.faults = [];
    emit(state, "fault.cleared", { cleared });
    return json(c, { cleared });
  });
}

/** /sim/config and /sim/events: the realism settings, and everything as SSE. */
function configRoutes(app: Hono, state: SimState): void {
  /** GET /sim/config → {config} */
  app.get("/config", (c) => json(c, { config: state.config }));

  /** POST /sim/config {…SimConfig fields} → {config}; 400 names the rejected fields. */
  app.post("/config", async (c) => {
    const b = await body(c);
    if (!b) return problem(c, 400, "body must be a JSON object");
    const before = state.config.seed;
    const bad = applyConfigPatch(state.config, b);
    if (bad.length > 0) return problem(c, 400, `invalid config fields: ${bad.join(", ")}`);
    if (b.seed !== undefined || state.config.seed !== before) state.prng = createPrng(state.config.seed);
    emit(state, "config", { ...state.config });
    return json(c, { config: state.config });
  });

  /** GET /sim/events: SSE; `event:` is the type (account.created, message.inbound, qr.status …), `data:` JSON. */
  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      let release: () => void = () => {};
      const ended = new Promise<void>((resolve) => {
        release = resolve;
      });
      const listener = (event: SimEvent): void => {
        if (event.type === "simulator.closed") release();
        void stream.writeSSE({
          id: String(event.id),
          event: event.type,
          data: toJsonText({ ...event.data, at_ms: event.at_ms }),
        });
      };
      state.listeners.add(listener);
      stream.onAbort(release);
      await stream.writeSSE({ event: "hello", data: toJsonText({ config: state.config }) });
      await ended;
      state.listeners.delete(listener);
    }),
  );
}
