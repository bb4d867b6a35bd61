/**
 * In-memory state of the simulated iLink server: users, bot accounts, QR codes, context tokens,
 * the per-bot delivery queues, the exchanged messages, typing events, CDN objects and the event
 * feed of `GET /sim/events`. Routes mutate it only through the functions of the other modules.
 */
import type { QrStatus } from "../ilink/wire.js";
import { defaultConfig, type SimConfig } from "./config.js";
import type { FaultRule } from "./faults.js";
import { createPrng, type Prng } from "./prng.js";

export interface SimUser {
  user_id: string;
  name: string;
  created_at_ms: number;
}

export interface SimAccount {
  account_id: string;
  token: string;
  name: string;
  owner_user_id: string;
  created_at_ms: number;
  /** `expired`: every bot call answers -14 (kicked by a rebind, or a fault) */
  token_state: "live" | "expired";
  /** between notifystart and notifystop */
  online: boolean;
  created_via: "control" | "qr";
  /** delivery queue: messages not yet acknowledged by a cursor past them */
  queue: Delivery[];
  /** highest seq a cursor has acknowledged */
  acked_seq: number;
  /** last seq issued */
  last_seq: number;
  /** long polls waiting for a message */
  waiters: Set<() => void>;
  /** users who ever messaged this bot (getconfig answers -4 before that) */
  contacts: Set<string>;
  last_client?: { app_id: string | null; client_version: string | null };
}

/** One message waiting in a bot's queue; `wire` is the getupdates object (ids as bigint). */
export interface Delivery {
  seq: number;
  wire: Record<string, unknown>;
  /** the log message this delivery carries */
  message_id?: bigint;
}

export interface ContextTokenRecord {
  token: string;
  account_id: string;
  user_id: string;
  issued_at_ms: number;
  sends: number;
}

/** An item of `GET /sim/messages`, described after decryption. */
export type ItemDescription =
  | { type: "text"; text: string }
  | {
      type: "image" | "file" | "voice" | "video";
      sha256?: string;
      size?: number;
      name?: string;
      mime?: string;
      transcript?: string;
      /** how long a voice message plays */
      playtime_ms?: number;
      /** the CDN download parameter, for fetching the bytes again */
      media_param?: string;
      /** why the bytes could not be described (unknown object, wrong key …) */
      error?: string;
    }
  | { type: "tool_call_start" | "tool_call_result"; tool_name?: string; status?: string }
  | { type: "unknown"; item_type: number | null };

export interface SimMessage {
  message_id: bigint;
  direction: "inbound" | "outbound";
  account_id: string;
  from: string;
  to: string;
  client_id: string | null;
  context_token: string | null;
  group_id: string | null;
  items: ItemDescription[];
  /** the wire items as sent or delivered, kept for quotes */
  wire_items: Record<string, unknown>[];
  create_time_ms: number;
  quote: string | null;
}

export interface TypingEvent {
  account_id: string;
  user_id: string;
  status: "typing" | "cancel";
  at_ms: number;
}

export interface QrSession {
  qrcode: string;
  created_at_ms: number;
  status: QrStatus;
  /** the status a poll last reported: a poll holds while nothing new is to say */
  reported: QrStatus | null;
  local_token_list: string[];
  user_id: string | null;
  account_id: string | null;
  redirect: boolean;
  redirect_reported: boolean;
  verify_code: string | null;
  wrong_codes: number;
  waiters: Set<() => void>;
}

export interface UploadSession {
  account_id: string;
  filekey: string;
  aeskey: Buffer;
  media_type: number;
  to_user_id: string;
  rawsize: number;
  rawfilemd5: string;
  filesize: number;
  download_param: string | null;
}

/** An object on the simulated CDN: the ciphertext is what download serves. */
export interface CdnObject {
  ciphertext: Buffer;
  key: Buffer;
  size: number;
  sha256: string;
  md5: string;
  name?: string;
  mime?: string;
}

export interface SimEvent {
  id: number;
  type: string;
  at_ms: number;
  data: Record<string, unknown>;
}

export interface SimState {
  config: SimConfig;
  prng: Prng;
  now: () => number;
  publicBaseUrl: string;
  users: Map<string, SimUser>;
  accounts: Map<string, SimAccount>;
  accountsByToken: Map<string, SimAccount>;
  qrs: Map<string, QrSession>;
  contextTokens: Map<string, ContextTokenRecord>;
  /** `${account_id} ${user_id}` → latest context token */
  latestToken: Map<string, string>;
  messages: SimMessage[];
  /** `${account_id} ${client_id}` → answer already given */
  sentByClientId: Map<string, bigint>;
  typing: TypingEvent[];
  uploads: Map<string, UploadSession>;
  cdn: Map<string, CdnObject>;
  /** `${account_id} ${user_id}` → recent accepted send times and penalty end */
  throttle: Map<string, { sends: number[]; penalty_until_ms: number }>;
  timers: Set<ReturnType<typeof setTimeout>>;
  /** injected faults, consumed in order (`POST /sim/faults`) */
  faults: FaultRule[];
  nextFaultId: number;
  listeners: Set<(event: SimEvent) => void>;
  closed: boolean;
  nextEventId: number;
  nextMessageId: bigint;
}

/** First message id: well above 2^53 so clients must parse ids losslessly (§1.10). */
const FIRST_MESSAGE_ID = 7_390_000_000_000_000_000n;

export function createState(opts: {
  seed: number;
  realism: boolean;
  now: () => number;
  publicBaseUrl: string;
  longPollTimeoutMs: number;
}): SimState {
  return {
    config: defaultConfig(opts.seed, opts.realism, opts.longPollTimeoutMs),
    prng: createPrng(opts.seed),
    now: opts.now,
    publicBaseUrl: opts.publicBaseUrl.replace(/\/+$/, ""),
    users: new Map(),
    accounts: new Map(),
    accountsByToken: new Map(),
    qrs: new Map(),
    contextTokens: new Map(),
    latestToken: new Map(),
    messages: [],
    sentByClientId: new Map(),
    typing: [],
    uploads: new Map(),
    cdn: new Map(),
    throttle: new Map(),
    timers: new Set(),
    faults: [],
    nextFaultId: 1,
    listeners: new Set(),
    closed: false,
    nextEventId: 1,
    nextMessageId: FIRST_MESSAGE_ID,
  };
}

export function emit(state: SimState, type: string, data: Record<string, unknown>): void {
  const event: SimEvent = { id: state.nextEventId++, type, at_ms: state.now(), data };
  for (const listener of state.listeners) listener(event);
}

/** A fresh uint64 message id above 2^53, strictly increasing with a random step. */
export function newMessageId(state: SimState): bigint {
  state.nextMessageId += BigInt(state.prng.int(1, 4096));
  return state.nextMessageId;
}

/** Runs `fn` after `ms` unless the simulator is closed first. */
export function schedule(state: SimState, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    state.timers.delete(timer);
    if (!state.closed) fn();
  }, ms);
  timer.unref?.();
  state.timers.add(timer);
}

export function pairKey(accountId: string, userId: string): string {
  return `${accountId} ${userId}`;
}

export function createUser(state: SimState, name?: string, userId?: string): SimUser {
  const user_id = userId ?? `o9cq8${state.prng.hex(11)}@im.wechat`;
  const user: SimUser = { user_id, name: name ?? `user-${state.users.size + 1}`, created_at_ms: state.now() };
  state.users.set(user_id, user);
  emit(state, "user.created", { user_id, name: user.name });
  return user;
}

/** The user with this id, registering it first if it is new (the chat page may invent users). */
export function ensureUser(state: SimState, userId: string): SimUser {
  return state.users.get(userId) ?? createUser(state, undefined, userId);
}

export function createAccount(
  state: SimState,
  opts: { name?: string; owner_user_id: string; via: "control" | "qr" },
): SimAccount {
  const hex = state.prng.hex(6);
  const account: SimAccount = {
    account_id: `${hex}@im.bot`,
    token: `${hex}@im.bot:${state.prng.bytes(24).toString("base64url")}`,
    name: opts.name ?? `bot-${state.accounts.size + 1}`,
    owner_user_id: opts.owner_user_id,
    created_at_ms: state.now(),
    token_state: "live",
    online: false,
    created_via: opts.via,
    queue: [],
    acked_seq: 0,
    last_seq: 0,
    waiters: new Set(),
    contacts: new Set(),
  };
  state.accounts.set(account.account_id, account);
  state.accountsByToken.set(account.token, account);
  emit(state, "account.created", {
    account_id: account.account_id,
    owner_user_id: account.owner_user_id,
    via: opts.via,
  });
  return account;
}

/** Makes an account's token stale: every bot call then answers -14 (§5.1, §8.2.4). */
export function expireToken(state: SimState, account: SimAccount, reason: string): void {
  if (account.token_state === "expired") return;
  account.token_state = "expired";
  account.online = false;
  wake(account.waiters);
  emit(state, "account.expired", { account_id: account.account_id, reason });
}

export function wake(waiters: Set<() => void>): void {
  for (const w of [...waiters]) w();
}

/**
 * Description of an account for the control API. It includes the token: the simulator is a test
 * double and tests need the credentials of accounts made by QR login too.
 */
export function describeAccount(state: SimState, a: SimAccount): Record<string, unknown> {
  return {
    account_id: a.account_id,
    token: a.token,
    name: a.name,
    owner_user_id: a.owner_user_id,
    state: a.token_state === "live" ? "active" : "expired",
    online: a.online,
    created_via: a.created_via,
    created_at_ms: a.created_at_ms,
    pending_messages: a.queue.length,
    base_url: state.publicBaseUrl,
    cdn_base_url: `${state.publicBaseUrl}/c2c`,
    last_client: a.last_client ?? null,
  };
}
