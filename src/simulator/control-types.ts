/**
 * The request and answer shapes of the simulator control API under `/sim/` (product.md,
 * "Simulator control API"; routes-control.ts serves them). Ids are strings; times are ms.
 */
import type { QrStatus } from "../ilink/wire.js";
import type { SimConfig, ThrottleConfig } from "./config.js";
import type { FaultEndpoint, FaultRule } from "./faults.js";
import type { InboundInput, MediaInput, RedeliveryIdMode } from "./inbound.js";
import type { ItemDescription, TypingEvent } from "./state.js";

export type { ItemDescription, MediaInput, SimConfig, TypingEvent };

/** `POST /sim/accounts` → a bound bot account, no QR needed. */
export interface SimBotAccount {
  account_id: string;
  token: string;
  base_url: string;
  cdn_base_url: string;
  owner_user_id: string;
}

/** An item of `GET /sim/accounts`. */
export interface SimAccountInfo extends SimBotAccount {
  name: string;
  state: "active" | "expired";
  /** between notifystart and notifystop */
  online: boolean;
  created_via: "control" | "qr";
  created_at_ms: number;
  pending_messages: number;
  last_client: { app_id: string | null; client_version: string | null } | null;
}

export interface SimUserInfo {
  user_id: string;
  name: string;
  created_at_ms?: number;
}

/** An item of `GET /sim/qr`. */
export interface SimQrInfo {
  qrcode: string;
  status: QrStatus;
  created_at_ms: number;
  user_id: string | null;
  account_id: string | null;
  verify_code: string | null;
  wrong_codes: number;
  local_tokens: number;
}

export interface SimScanInput {
  user_id?: string;
  /** one `scaned_but_redirect` first */
  redirect?: boolean;
  /** ask for the pairing number (`need_verifycode`); the answer carries it */
  verify_code?: boolean;
}

export interface SimScanResult {
  qrcode: string;
  status: QrStatus;
  user_id: string;
  verify_code: string | null;
}

export interface SimConfirmResult {
  qrcode: string;
  status: "confirmed";
  account_id: string;
  owner_user_id: string;
}

/** `POST /sim/messages`: a user sends the bot a message (media as `{base64, name}`). */
export type SimMessageInput = InboundInput;

export interface SimMessageSent {
  message_id: string;
  context_token: string;
}

/** An item of `GET /sim/messages`. */
export interface SimMessageInfo {
  message_id: string;
  direction: "inbound" | "outbound";
  account_id: string;
  from: string;
  to: string;
  client_id: string | null;
  context_token: string | null;
  group_id: string | null;
  quote: string | null;
  create_time_ms: number;
  items: ItemDescription[];
}

export interface SimMessageFilter {
  account_id?: string;
  user_id?: string;
  direction?: "inbound" | "outbound";
}

/** `POST /sim/faults` with an endpoint: the next `count` (default 1) calls of it fail. */
export interface SimFaultInput {
  /** a name of FAULT_ENDPOINTS, its path (`ilink/bot/sendmessage`, `/c2c/upload`), or `*` */
  endpoint: FaultEndpoint | (string & {});
  count?: number;
  /** answer this HTTP status */
  status?: number;
  /** answer HTTP 200 with this `ret`/`errcode` (-14 session expired, -2 throttled …) */
  ret?: number;
  errmsg?: string;
  latency_ms?: number;
  /** drop the connection */
  drop?: boolean;
  /** only calls made with this bot's token */
  account_id?: string;
}

/** A pending fault rule, as `GET /sim/faults` lists it. */
export type SimFaultRule = FaultRule;

/** `POST /sim/faults` answers the rule and its id again as `fault_id`. */
export type SimFaultAdded = FaultRule & { fault_id: number };

export interface SimRedeliverInput {
  account_id: string;
  /** default: the account's latest inbound message */
  message_id?: string;
  delay_ms?: number;
  id_mode?: RedeliveryIdMode;
}

export interface SimRedelivered {
  redelivered: string;
  account_id: string;
  delay_ms: number;
  id_mode: RedeliveryIdMode;
}

/** `POST /sim/config`: any subset of the settings; `throttle` per field, or `false` to turn it off. */
export type SimConfigPatch = Partial<Omit<SimConfig, "throttle">> & {
  throttle?: Partial<ThrottleConfig> | false;
};
