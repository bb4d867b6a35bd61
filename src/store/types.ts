/**
 * The store's small interfaces. The SQLite implementation lives beside this file; the gateway,
 * admin UI, MCP server and CLI depend only on these types. Times are epoch milliseconds.
 */
import type { MessageItem } from "../ilink/wire.js";
import type { ScheduleStore } from "./schedule-types.js";

export type * from "./schedule-types.js";

export type AccountState = "active" | "expired" | "disabled";

export interface Account {
  id: string;
  baseUrl: string;
  cdnBaseUrl: string;
  /** The bot token. Never logged; `accounts list` shows only whether it is present. */
  token: string;
  /** The WeChat user who scanned the QR code. */
  ownerUserId?: string;
  name?: string;
  state: AccountState;
  /** Why the account is not active, with the fix (e.g. "session expired (-14): run `wxagent login`"). */
  stateReason?: string;
  createdAtMs: number;
  updatedAtMs: number;
  lastInboundAtMs?: number;
  /** The last poll the server answered. */
  lastPollAtMs?: number;
  /**
   * Polls failed in a row since the last answered one (0 once one is answered), recorded by
   * whichever process polls, so every process sees what the poller achieves.
   */
  pollFailures: number;
  /** The latest failed poll's error (redacted) and when, while `pollFailures` > 0. */
  lastPollError?: string;
  lastPollErrorAtMs?: number;
  /**
   * The account lives on a simulator (`wxagent sim`, the embedded one of `npm start`), not on
   * WeChat: its token dies with the simulator's memory.
   */
  simulated?: boolean;
}

/** What the poller records; an upsert (a new login) starts them afresh. */
type PollRecord = "pollFailures" | "lastPollError" | "lastPollErrorAtMs";

export interface AccountStore {
  upsert(
    account: Omit<Account, "createdAtMs" | "updatedAtMs" | PollRecord> & { createdAtMs?: number },
  ): Account;
  get(id: string): Account | undefined;
  list(): Account[];
  remove(id: string): boolean;
  /**
   * Remove the account with everything recorded on it (messages, contacts, outbox): for a
   * simulated account whose simulator is gone, so nothing of it lingers in history or status.
   */
  purge(id: string): boolean;
  setState(id: string, state: AccountState, reason?: string): void;
  /** A poll answered (`lastPollAtMs`; clears the failure record) or brought messages (`lastInboundAtMs`). */
  touch(id: string, fields: { lastInboundAtMs?: number; lastPollAtMs?: number }): void;
  /** A poll failed (not -14, which expires the account): count it and keep its error. */
  pollFailed(id: string, error: string, atMs: number): void;
}

export interface ContactRecord {
  accountId: string;
  userId: string;
  name?: string;
  /** Permission preset name assigned to this contact, when not the default. */
  preset?: string;
  /** Free-form per-contact settings (JSON), e.g. unlock expiry, pairing state. */
  settings: Record<string, unknown>;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
}

export interface ContactStore {
  /** Create on first sight; update lastSeen afterwards. */
  see(accountId: string, userId: string, atMs: number): ContactRecord;
  get(accountId: string, userId: string): ContactRecord | undefined;
  list(accountId?: string): ContactRecord[];
  /** Name or preset (undefined clears it); creates the contact if needed. */
  update(accountId: string, userId: string, patch: Partial<Pick<ContactRecord, "name" | "preset">>): void;
  /**
   * Change the contact's settings: `change` gets them as they are now and returns the new ones,
   * with no other write in between (SQLite: one synchronous step; PostgreSQL: under the row's
   * lock), so writers of different keys (unlock, pairing, the window warning, another node) never
   * undo each other. `change` must be pure and synchronous. Creates the contact if needed;
   * returns the settings written.
   */
  updateSettings(
    accountId: string,
    userId: string,
    change: (settings: Record<string, unknown>) => Record<string, unknown>,
  ): Record<string, unknown>;
}

export type InboundState = "pending" | "processing" | "done" | "failed" | "refused";

export interface InboundMessage {
  /** Store id (monotonic per database). */
  id: number;
  accountId: string;
  fromUserId: string;
  groupId?: string;
  /** Server message id (uint64 as string); may be empty on the wire. */
  messageId?: string;
  /** Dedup key: `id:<message_id>` or `hash:<sha256 of sender, create_time_ms, items>`. */
  dedupKey: string;
  contextToken?: string;
  createTimeMs?: number;
  items: MessageItem[];
  state: InboundState;
  /** Why a message was refused or failed (for logs, status and the admin UI). */
  stateReason?: string;
  receivedAtMs: number;
}

export interface NewInbound {
  fromUserId: string;
  groupId?: string;
  messageId?: string;
  dedupKey: string;
  contextToken?: string;
  createTimeMs?: number;
  items: MessageItem[];
  /** Stored as already refused (a malformed message, kept for the record; never dispatched). */
  refusedReason?: string;
}

export interface InboundStore {
  /**
   * In ONE transaction: insert the messages not seen before (by dedupKey, per account) and save
   * the new cursor (when non-empty). Returns only the newly inserted messages.
   */
  recordPoll(
    accountId: string,
    cursor: string | undefined,
    messages: NewInbound[],
    atMs: number,
  ): InboundMessage[];
  setState(id: number, state: InboundState, reason?: string): void;
  /** Replace a stored message's items (to scrub a secret, such as an `/unlock` passphrase). */
  replaceItems(id: number, items: MessageItem[]): void;
  /** Messages not yet answered (`pending` or `processing`), oldest first: replayed after a crash. */
  unfinished(accountId: string): InboundMessage[];
  get(id: number): InboundMessage | undefined;
  /** The message the server knows by `messageId` (what a quote's `ref_msg.svr_id` names). */
  byMessageId(accountId: string, messageId: string): InboundMessage | undefined;
  /** Most recent first. */
  list(filter: { accountId?: string; userId?: string; sinceMs?: number; limit?: number }): InboundMessage[];
  countByState(accountId: string, state: InboundState): number;
}

export interface CursorStore {
  get(accountId: string): string;
  /** Also written by InboundStore.recordPoll; this is for re-login (reset to ""). */
  set(accountId: string, cursor: string): void;
}

export type OutboundState = "pending" | "sent" | "failed" | "deferred";

/** One bubble to one contact: exactly one item, as iLink sends them. */
export interface OutboundMessage {
  id: number;
  accountId: string;
  toUserId: string;
  /** The inbound message this answers, if any (null for proactive sends). */
  inboundId?: number;
  /** Order within the reply to `inboundId` (0, 1, 2 …). */
  seq: number;
  /** Recorded before the first send; every retry reuses it. */
  clientId: string;
  /** `text` or a media item ready to send (after upload); `file` holds a local path to upload. */
  kind: "text" | "file";
  text?: string;
  filePath?: string;
  caption?: string;
  contextToken?: string;
  state: OutboundState;
  attempts: number;
  lastError?: string;
  createdAtMs: number;
  sentAtMs?: number;
  /** Server message id returned by sendmessage, when any. */
  serverMessageId?: string;
}

export interface NewOutbound {
  accountId: string;
  toUserId: string;
  inboundId?: number;
  seq: number;
  clientId: string;
  kind: "text" | "file";
  text?: string;
  filePath?: string;
  caption?: string;
  contextToken?: string;
  state?: OutboundState;
}

export interface OutboundStore {
  /** Record several bubbles atomically (a whole reply), before any is sent. */
  enqueue(messages: NewOutbound[], atMs: number): OutboundMessage[];
  markSent(id: number, atMs: number, serverMessageId?: string): void;
  markFailed(id: number, error: string): void;
  /** Move to the durable outbox: sent after the contact's next message. */
  defer(id: number, reason: string): void;
  bumpAttempt(id: number, error?: string): void;
  /** Pending bubbles (not sent, not deferred), oldest first: resumed after a crash. */
  pending(accountId: string): OutboundMessage[];
  /** The durable outbox for one contact, oldest first. */
  deferred(accountId: string, userId: string): OutboundMessage[];
  /** Re-arm deferred bubbles with a fresh context token (keeps their client_id). */
  release(ids: number[], contextToken: string | undefined): void;
  forInbound(inboundId: number): OutboundMessage[];
  /** A sent bubble by the id the server gave it (what a quote's `ref_msg.svr_id` names). */
  byServerMessageId(accountId: string, serverMessageId: string): OutboundMessage | undefined;
  list(filter: { accountId?: string; userId?: string; sinceMs?: number; limit?: number }): OutboundMessage[];
  countByState(accountId: string, state: OutboundState): number;
}

export interface ContextTokenRecord {
  accountId: string;
  userId: string;
  token: string;
  /** Bot sends made with this token so far (quota ≈ 10 per inbound message). */
  sendCount: number;
  updatedAtMs: number;
}

export interface ContextTokenStore {
  /** A new inbound message: the latest token wins and its send count starts at 0. */
  set(accountId: string, userId: string, token: string, atMs: number): void;
  get(accountId: string, userId: string): ContextTokenRecord | undefined;
  /** Count one send against the current token; returns the new count. */
  countSend(accountId: string, userId: string): number;
  /**
   * Reserve one send on the current token when fewer than `quota` were made: the new count, or
   * undefined (quota spent, or no token). One conditional update, so two processes sharing the
   * database never take the same slot.
   */
  reserveSend(accountId: string, userId: string, quota: number): number | undefined;
  /** Give back a slot reserved on `token` whose send did not go out (nothing if a new token came). */
  refundSend(accountId: string, userId: string, token: string): void;
  clear(accountId: string): void;
}

export interface SessionRecord {
  accountId: string;
  userId: string;
  agent: string;
  /** Agent-specific session state (e.g. an ACP session id, a message history). */
  data: unknown;
  updatedAtMs: number;
}

export interface SessionStore {
  get(accountId: string, userId: string, agent: string): SessionRecord | undefined;
  put(accountId: string, userId: string, agent: string, data: unknown, atMs: number): void;
  remove(accountId: string, userId: string, agent: string): void;
}

/** What history retention keeps: rows newer than `beforeMs` and above the count cutoffs. */
export interface PruneRule {
  /** Finished rows received (or created) before this are deleted; undefined: no age limit. */
  beforeMs?: number;
  /** The count limit, per direction (computed with `olderId`); undefined: none. */
  cutoffs?: PruneCutoffs;
}

/** Ids at or below which finished rows are past the count limit (0: none). */
export interface PruneCutoffs {
  inboundId: number;
  outboundId: number;
}

export interface PruneBatch {
  /** Inbound ids deleted (their media folders can go too). */
  inboundIds: number[];
  /** Outbound bubbles deleted. */
  outbound: number;
}

export interface HistoryStore {
  /**
   * The id of the account's row `n` rows older than `belowId` (n ≥ 1; `belowId` excluded), or
   * undefined when there are fewer. Walking the newest N in steps keeps each call short.
   */
  olderId(table: "inbound" | "outbound", accountId: string, belowId: number, n: number): number | undefined;
  /**
   * Delete at most `limit` finished inbound messages and `limit` finished bubbles of one account
   * that the rule no longer keeps, oldest first, in one transaction. Unfinished rows (pending,
   * processing, deferred, or an inbound whose reply is still queued) are never deleted.
   */
  pruneBatch(accountId: string, rule: PruneRule, limit: number): PruneBatch;
}

/** Everything, opened on one database. */
export interface Store {
  accounts: AccountStore;
  contacts: ContactStore;
  inbound: InboundStore;
  cursors: CursorStore;
  outbound: OutboundStore;
  contextTokens: ContextTokenStore;
  sessions: SessionStore;
  history: HistoryStore;
  /** Scheduled jobs and their firings. */
  schedules: ScheduleStore;
  /** Run `fn` in one transaction. */
  transaction<T>(fn: () => T): T;
  /**
   * Resolves once every write so far is committed. With group commit (`openStore(…, { groupCommit:
   * true })`) writes are committed together at the end of the event-loop turn; anything that acts
   * outside the process on the strength of a write (sending a bubble whose client_id was just
   * recorded, acknowledging a cursor to the server) waits for this first. Resolves at once without
   * group commit or with nothing pending; rejects if the turn's commit fails.
   */
  durable(): Promise<void>;
  /**
   * Commits what is pending and closes the connection at once. With group commit the promise
   * resolves when the checkpoint thread has folded the WAL back and let go of the files; await it
   * before removing or copying the database. Without group commit it is already resolved.
   */
  close(): Promise<void>;
}
